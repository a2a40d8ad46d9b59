import { allMessages, type Locale } from '../../i18n/index.js';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The playground page: one self-contained HTML document, no framework, strings in the user's language. */
export function renderPage(locale: Locale): string {
  const catalog = allMessages()[locale];
  const web = Object.fromEntries(Object.entries(catalog).filter(([k]) => k.startsWith('web.')));
  const m = (k: string) => escapeHtml(web[k] ?? k);
  const other: Locale = locale === 'en' ? 'zh-CN' : 'en';
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${m('web.title')}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#1c1e21;--muted:#5f6670;--accent:#3056d3;--danger:#c0392b;--border:#d8dce1}
@media (prefers-color-scheme:dark){:root{--bg:#16181c;--card:#1f2228;--fg:#e8eaed;--muted:#a0a6ae;--accent:#7b9cff;--border:#343941}}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;background:var(--bg);color:var(--fg)}
header{display:flex;gap:.75rem;align-items:center;justify-content:space-between;padding:.6rem 1rem;border-bottom:1px solid var(--border);background:var(--card)}
header h1{font-size:1.05rem;margin:0}header nav{display:flex;gap:.5rem;align-items:center}
main{max-width:860px;margin:0 auto;padding:1rem;display:flex;flex-direction:column;gap:1rem}
#log{display:flex;flex-direction:column;gap:.75rem;min-height:40vh}
.msg{background:var(--card);border:1px solid var(--border);border-radius:10px;padding:.7rem .9rem;max-width:100%}
.msg.you{align-self:flex-end;background:color-mix(in srgb,var(--accent) 12%,var(--card))}
.msg.ephemeral{border-style:dashed}.who{font-size:.75rem;color:var(--muted);margin-bottom:.2rem}
.text{white-space:pre-wrap;overflow-wrap:anywhere}.fields{margin:.4rem 0 0;font-size:.9rem;color:var(--muted)}.fields dt{font-weight:600;display:inline}.fields dd{display:inline;margin:0 0 0 .3rem}
.imgs{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:.5rem}.imgs figure{margin:0;position:relative}
.imgs img{max-width:100%;max-height:420px;border-radius:6px;display:block;cursor:crosshair}
.dot{position:absolute;width:12px;height:12px;margin:-6px 0 0 -6px;border-radius:50%;background:#ff3b30;border:2px solid #fff;pointer-events:none}
.row{display:flex;flex-wrap:wrap;gap:.4rem;margin-top:.5rem}
button{font:inherit;border:1px solid var(--border);background:var(--card);color:var(--fg);border-radius:7px;padding:.38rem .75rem;cursor:pointer;min-height:2.2rem}
button:hover{border-color:var(--accent)}button:focus-visible,select:focus-visible,textarea:focus-visible,input:focus-visible{outline:3px solid var(--accent);outline-offset:1px}
button.primary{background:var(--accent);color:#fff;border-color:var(--accent)}button.danger{color:var(--danger)}button.success{border-color:#2e9d57}
button:disabled{opacity:.5;cursor:default}
fieldset.select{border:1px solid var(--border);border-radius:7px;margin:.5rem 0 0;padding:.3rem .6rem}fieldset.select label{display:block;padding:.15rem 0}
progress{width:100%;height:.6rem;margin-top:.4rem}
form#composer{background:var(--card);border:1px solid var(--border);border-radius:10px;padding:.75rem;display:grid;gap:.5rem;position:sticky;bottom:.5rem}
form#composer.drag{outline:3px dashed var(--accent)}
textarea{width:100%;min-height:3.2rem;font:inherit;padding:.45rem;border-radius:7px;border:1px solid var(--border);background:var(--bg);color:var(--fg);resize:vertical}
.hint{font-size:.8rem;color:var(--muted)}.composer-row{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;justify-content:space-between}
#previews img{height:56px;border-radius:4px;margin-right:.3rem}
details#status{background:var(--card);border:1px solid var(--border);border-radius:10px;padding:.5rem .9rem}
#readiness{background:var(--card);border:1px solid var(--accent);border-radius:10px;padding:.6rem .9rem}#readiness progress{display:block}
#status ul{list-style:none;padding:0;margin:.4rem 0}#status li{padding:.15rem 0}.state-ok{color:#2e9d57}.state-down{color:var(--danger)}.state-off,.state-degraded{color:var(--muted)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
@media (max-width:520px){main{padding:.5rem}header h1{font-size:.95rem}}
</style>
</head>
<body>
<header><h1>${m('web.title')}</h1><nav>
<button type="button" id="new-session">${m('web.new_session')}</button>
<a href="?lang=${other}" lang="${other}">${other === 'en' ? 'English' : '中文'}</a></nav></header>
<main>
<p class="hint">${m('web.intro')}</p>
<div id="readiness" role="status" aria-live="polite" hidden><div id="readiness-text"></div><progress id="readiness-bar" max="100" hidden></progress><div id="readiness-fix" class="hint"></div></div>
<details id="status"><summary>${m('web.status')} <span id="readiness-short" class="hint"></span></summary><ul id="status-list"></ul><button type="button" id="status-refresh">${m('web.refresh')}</button></details>
<section id="log" aria-live="polite" aria-label="${m('web.title')}"></section>
<form id="composer" enctype="multipart/form-data">
  <label for="file">${m('web.upload')}</label>
  <input id="file" name="images" type="file" accept="image/*" multiple aria-describedby="file-hint">
  <span id="file-hint" class="hint">${m('web.upload_hint')}</span>
  <div id="previews"></div>
  <label for="text">${m('web.instruction')}</label>
  <textarea id="text" name="text" placeholder="${m('web.placeholder')}"></textarea>
  <div class="composer-row"><span id="points" class="hint" aria-live="polite"></span>
  <span><button type="button" id="clear-points" hidden>${m('web.points_clear')}</button>
  <button type="submit" class="primary" id="send">${m('web.send')}</button></span></div>
</form>
</main>
<script>
const T=${JSON.stringify(web).replace(/</g, '\\u003c')};const LOCALE=${JSON.stringify(locale)};
const t=(k,p={})=>(T[k]||k).replace(/\\{(\\w+)\\}/g,(w,n)=>n in p?p[n]:w);
let session=localStorage.getItem('cie-session');
if(!session||!/^[A-Za-z0-9_-]{8,64}$/.test(session)){session=crypto.randomUUID().replace(/-/g,'');localStorage.setItem('cie-session',session);}
const log=document.getElementById('log'),form=document.getElementById('composer'),fileInput=document.getElementById('file'),text=document.getElementById('text');
const pointsLabel=document.getElementById('points'),clearPoints=document.getElementById('clear-points');
let points=[];let lastPhotoUrl=null;let pending=[];
function el(tag,attrs={},...kids){const e=document.createElement(tag);for(const[k,v]of Object.entries(attrs)){if(k==='class')e.className=v;else if(k.startsWith('on'))e.addEventListener(k.slice(2),v);else if(v!==undefined&&v!==null)e.setAttribute(k,v);}for(const c of kids)if(c!=null)e.append(c);return e;}
function renderPoints(){pointsLabel.textContent=points.length?t('web.points_count',{count:points.length}):'';clearPoints.hidden=!points.length;document.querySelectorAll('.dot').forEach(d=>d.remove());
 for(const p of points){const fig=document.querySelector('figure[data-src="'+p.src+'"]');if(!fig)continue;const img=fig.querySelector('img');const d=el('span',{class:'dot'});d.style.left=(p.x*img.clientWidth)+'px';d.style.top=(p.y*img.clientHeight)+'px';fig.append(d);}}
function pickPoint(ev){const img=ev.currentTarget;const r=img.getBoundingClientRect();const x=Math.min(1,Math.max(0,(ev.clientX-r.left)/r.width)),y=Math.min(1,Math.max(0,(ev.clientY-r.top)/r.height));points.push({x,y,src:img.dataset.src});renderPoints();text.focus();}
function figure(src,alt,isResult){const img=el('img',{src,alt,loading:'lazy','data-src':src,title:t('web.points_hint')});img.addEventListener('click',pickPoint);img.addEventListener('load',renderPoints);
 const fig=el('figure',{'data-src':src},img);if(isResult&&lastPhotoUrl){const b=el('button',{type:'button','aria-pressed':'false'},t('web.before_after'));b.addEventListener('click',()=>{const on=b.getAttribute('aria-pressed')!=='true';b.setAttribute('aria-pressed',String(on));img.src=on?lastPhotoUrl:src;});fig.append(el('div',{class:'row'},b));}return fig;}
async function act(actionId,messageId,values){const r=await fetch('/api/action',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({session,actionId,messageId,values,locale:LOCALE})});if(!r.ok)notice(t('web.send_failed',{detail:r.status}));}
function renderReply(node,id,reply){node.replaceChildren();node.className='msg bot'+(reply.ephemeral?' ephemeral':'');node.dataset.id=id;
 node.append(el('div',{class:'who'},t('web.bot')),el('div',{class:'text'},reply.text||''));
 if(reply.fields&&reply.fields.length){const dl=el('dl',{class:'fields'});for(const f of reply.fields)dl.append(el('div',{},el('dt',{},f.label+':'),el('dd',{},f.value)));node.append(dl);}
 if(reply.progress&&(reply.progress.state==='queued'||reply.progress.state==='running')){const p=el('progress',{max:'1','aria-label':reply.progress.state==='queued'?t('web.queued',{position:reply.progress.position??'?'}):t('web.running')});if(reply.progress.fraction!=null)p.value=reply.progress.fraction;node.append(p);}
 if(reply.images&&reply.images.length){const box=el('div',{class:'imgs'});for(const im of reply.images)box.append(figure(im.url,im.alt,reply.kind==='result'));node.append(box);}
 if(reply.select){const fs=el('fieldset',{class:'select'},el('legend',{},reply.select.placeholder));for(const o of reply.select.options){const cb=el('input',{type:'checkbox',value:o.value});cb.addEventListener('change',()=>{const vals=[...fs.querySelectorAll('input:checked')].map(i=>i.value);act(reply.select.id,id,vals);});fs.append(el('label',{},cb,' '+o.label+(o.description?' — '+o.description:'')));}node.append(fs);}
 for(const row of reply.buttons||[]){const r=el('div',{class:'row',role:'group'});for(const b of row){const btn=el('button',{type:'button',class:b.style||''},b.label);btn.addEventListener('click',()=>{btn.disabled=true;act(b.id,id).finally(()=>setTimeout(()=>btn.disabled=false,800));});r.append(btn);}node.append(r);}
 renderPoints();}
function notice(s){log.append(el('div',{class:'msg bot ephemeral',role:'status'},s));}
function renderMine(node,id,msg){node.replaceChildren();node.className='msg you';node.dataset.id=id;node.append(el('div',{class:'who'},t('web.you')),el('div',{class:'text'},msg.text||''));
 if(msg.images&&msg.images.length){const box=el('div',{class:'imgs'});for(const im of msg.images)box.append(figure(im.url,'',false));node.append(box);lastPhotoUrl=msg.images[0].url;}}
function onEvent(ev){let node=log.querySelector('[data-id="'+ev.id+'"]');if(!node){node=el('div');log.append(node);}if(ev.kind==='user')renderMine(node,ev.id,ev.reply);else renderReply(node,ev.id,ev.reply);node.scrollIntoView({block:'nearest'});}
let since=0;function connect(){const es=new EventSource('/api/events?session='+session+'&since='+since);es.addEventListener('reply',e=>{const ev=JSON.parse(e.data);if(ev.seq<=since)return;since=ev.seq;onEvent(ev);});es.onerror=()=>{pointsLabel.textContent=t('web.connection_lost');if(es.readyState===2){es.close();setTimeout(connect,2000);}};es.onopen=()=>{renderPoints();};}
connect();
function showPreviews(){const box=document.getElementById('previews');box.replaceChildren();for(const f of pending)box.append(el('img',{src:URL.createObjectURL(f),alt:f.name}));}
fileInput.addEventListener('change',()=>{pending=[...fileInput.files];showPreviews();});
form.addEventListener('dragover',e=>{e.preventDefault();form.classList.add('drag');});form.addEventListener('dragleave',()=>form.classList.remove('drag'));
form.addEventListener('drop',e=>{e.preventDefault();form.classList.remove('drag');pending=[...e.dataTransfer.files];showPreviews();});
document.addEventListener('paste',e=>{const fs=[...(e.clipboardData?.files||[])];if(fs.length){pending=fs;showPreviews();}});
clearPoints.addEventListener('click',()=>{points=[];renderPoints();});
text.addEventListener('keydown',e=>{if(e.key==='Enter'&&!e.shiftKey){e.preventDefault();form.requestSubmit();}});
form.addEventListener('submit',async e=>{e.preventDefault();const clientId=crypto.randomUUID().replace(/-/g,'');const fd=new FormData();fd.append('session',session);fd.append('clientId',clientId);fd.append('text',text.value);fd.append('locale',LOCALE);
 for(const f of pending)fd.append('images',f,f.name);if(points.length)fd.append('points',JSON.stringify(points.map(p=>({x:p.x,y:p.y}))));
 if(!pending.length&&!text.value.trim()&&!points.length){notice(t('web.empty_message'));text.focus();return;}
 let mine=log.querySelector('[data-id="u_'+clientId+'"]');if(!mine){mine=el('div',{class:'msg you','data-id':'u_'+clientId},el('div',{class:'who'},t('web.you')),el('div',{class:'text'},text.value));}
 if(!mine.isConnected){if(pending.length)mine.append(el('div',{class:'imgs'}));log.append(mine);}
 const send=document.getElementById('send');send.disabled=true;
 try{const r=await fetch('/api/message',{method:'POST',body:fd});const body=await r.json().catch(()=>({}));if(!r.ok){notice(t('web.send_failed',{detail:body.error||r.status}));return;}
  if(body.images&&body.images.length&&!mine.querySelector('.imgs img')){lastPhotoUrl=body.images[0];let box=mine.querySelector('.imgs');if(!box){box=el('div',{class:'imgs'});mine.append(box);}for(const u of body.images)box.append(figure(u,'',false));}
  text.value='';pending=[];fileInput.value='';showPreviews();points=[];renderPoints();}
 catch(err){notice(t('web.send_failed',{detail:String(err)}));}finally{send.disabled=false;}});
document.getElementById('new-session').addEventListener('click',()=>{localStorage.removeItem('cie-session');location.reload();});
async function status(){const list=document.getElementById('status-list');try{const r=await fetch('/api/status');const b=await r.json();list.replaceChildren(...b.checks.map(c=>el('li',{},el('strong',{class:'state-'+c.state},c.status||c.state),' ',c.name+': '+c.detail)));}catch(err){list.replaceChildren(el('li',{},String(err)));}}
let readyTimer=null;
async function readiness(){clearTimeout(readyTimer);let next=15000;try{const r=await fetch('/api/availability?lang='+encodeURIComponent(LOCALE));const b=await r.json();const box=document.getElementById('readiness'),bar=document.getElementById('readiness-bar'),short=document.getElementById('readiness-short');
 if(b.ready||!b.parts){box.hidden=true;short.textContent='';next=b.ready?0:15000;}else{box.hidden=false;document.getElementById('readiness-text').textContent=b.parts.text;document.getElementById('readiness-fix').textContent=b.parts.fix||'';
 const downloading=b.parts.state==='downloading';bar.hidden=!downloading;if(downloading){if(b.parts.percent!=null)bar.value=b.parts.percent;else bar.removeAttribute('value');next=1000;}
 short.textContent=downloading&&b.parts.percent!=null?'('+b.parts.percent+' %)':'';box.dataset.state=b.parts.state;}}catch(err){next=5000;}
 if(next)readyTimer=setTimeout(readiness,next);}
readiness();
document.getElementById('status').addEventListener('toggle',e=>{if(e.currentTarget.open)status();});document.getElementById('status-refresh').addEventListener('click',status);
</script>
</body>
</html>`;
}
