/**
 * Realistic messy model replies (English and Chinese), written for this test, with the commands
 * `parse` must return (wire format, after merge and priority order).
 */
export interface CorpusCase {
  name: string;
  reply: string;
  /** Labels present in the photo (default: every label of the model). */
  labels?: string[];
  expect: { command: string; paras: unknown[] }[];
  /** Exact number of rejections expected. */
  rejected: number;
}

const fence = '```';

export const corpus: CorpusCase[] = [
  {
    name: 'plain wire format',
    reply: '[{"command": "change", "paras": [["Background"], "sunny beach, blue sky"]}]',
    expect: [{ command: 'change', paras: [['Background'], 'sunny beach, blue sky'] }],
    rejected: 0,
  },
  {
    name: 'prose around a ```json fence',
    reply: `Sure! Here are the edit commands for your photo:\n\n${fence}json\n[\n  {"command": "change", "paras": [["Background"], "tropical beach"]},\n  {"command": "face", "paras": ["bigger smile"]}\n]\n${fence}\n\nLet me know if you'd like anything else!`,
    expect: [
      { command: 'change', paras: [['Background'], 'tropical beach'] },
      { command: 'face', paras: ['bigger smile'] },
    ],
    rejected: 0,
  },
  {
    name: 'Chinese prose around the array',
    reply: '好的，根据您的要求，生成的指令如下：\n[{"command": "change", "paras": [["Background"], "beach, sea"]}]\n希望对您有帮助！',
    expect: [{ command: 'change', paras: [['Background'], 'beach, sea'] }],
    rejected: 0,
  },
  {
    name: 'full-width brackets, quotes, commas and colons',
    reply: '［｛“command”：“change”，“paras”：［［“Upper-clothes”］，“white T-shirt”］｝］',
    expect: [{ command: 'change', paras: [['Upper-clothes'], 'white T-shirt'] }],
    rejected: 0,
  },
  {
    name: 'Python-style single quotes',
    reply: "[{'command': 'face', 'paras': ['bigger smile']}]",
    expect: [{ command: 'face', paras: ['bigger smile'] }],
    rejected: 0,
  },
  {
    name: 'trailing commas everywhere',
    reply: '[{"command": "recolor", "paras": [["Hair"], "blonde",],},]',
    expect: [{ command: 'recolor', paras: [['Hair'], '#a78c60'] }],
    rejected: 0,
  },
  {
    name: 'line and block comments',
    reply: '// commands for the photo\n[\n  {"command": "blur", "paras": [["Background"], 50]}, /* strong blur */\n  {"command": "face", "paras": ["natural makeup"]} // done\n]',
    expect: [
      { command: 'face', paras: ['natural makeup'] },
      { command: 'blur', paras: [['Background'], 50] },
    ],
    rejected: 0,
  },
  {
    name: 'a lone object instead of an array',
    reply: 'Here it is: {"command": "grayscale", "paras": [["Background"]]}',
    expect: [{ command: 'grayscale', paras: [['Background']] }],
    rejected: 0,
  },
  {
    name: '"params" instead of "paras"',
    reply: '[{"command": "change", "params": [["Pants"], "blue jeans"]}]',
    expect: [{ command: 'change', paras: [['Pants'], 'blue jeans'] }],
    rejected: 0,
  },
  {
    name: 'extra keys are ignored',
    reply: '[{"command": "face", "paras": ["smile"], "reason": "the user wants to look happier", "confidence": 0.9}]',
    expect: [{ command: 'face', paras: ['smile'] }],
    rejected: 0,
  },
  {
    name: '__proto__ and constructor keys are dropped',
    reply: '[{"command": "face", "paras": ["smile"], "__proto__": {"admin": true}, "constructor": {"prototype": {"polluted": 1}}}]',
    expect: [{ command: 'face', paras: ['smile'] }],
    rejected: 0,
  },
  {
    name: 'the whole array double-encoded in a JSON string',
    reply: '"[{\\"command\\": \\"change\\", \\"paras\\": [[\\"Background\\"], \\"snowy mountains\\"]}]"',
    expect: [{ command: 'change', paras: [['Background'], 'snowy mountains'] }],
    rejected: 0,
  },
  {
    name: 'cut off by the token limit mid-array',
    reply: '[{"command": "change", "paras": [["Background"], "city at night"]}, {"command": "face", "paras": ["sm',
    expect: [{ command: 'change', paras: [['Background'], 'city at night'] }],
    rejected: 1,
  },
  {
    name: 'several arrays in one reply',
    reply: 'First the background:\n[{"command": "change", "paras": [["Background"], "forest"]}]\nThen the face:\n[{"command": "face", "paras": ["smile"]}]',
    expect: [
      { command: 'change', paras: [['Background'], 'forest'] },
      { command: 'face', paras: ['smile'] },
    ],
    rejected: 0,
  },
  {
    name: 'brackets and braces inside strings',
    reply: '[{"command": "change", "paras": [["Background"], "a shop window with a poster saying [SALE] {50% off}"]}]',
    expect: [{ command: 'change', paras: [['Background'], 'a shop window with a poster saying [SALE] {50% off}'] }],
    rejected: 0,
  },
  {
    name: 'Chinese label synonyms',
    reply: '[{"command": "change", "paras": [["上衣", "裤子"], "black suit"]}]',
    expect: [{ command: 'change', paras: [['Upper-clothes', 'Pants'], 'black suit'] }],
    rejected: 0,
  },
  {
    name: 'labels in any case with spaces and underscores',
    reply: '[{"command":"cutout","paras":[["upper clothes","HAIR","left_shoe"]]},{"command":"remove","paras":[["background"]]}]',
    expect: [
      { command: 'remove', paras: [['Background']] },
      { command: 'cutout', paras: [['Upper-clothes', 'Hair', 'Left-shoe']] },
    ],
    rejected: 0,
  },
  {
    name: 'two change commands are merged',
    reply: '[{"command":"change","paras":[["Background"],"beach"]},{"command":"face","paras":["smile"]},{"command":"change","paras":[["Upper-clothes"],"white shirt"]}]',
    expect: [
      { command: 'change', paras: [['Background', 'Upper-clothes'], 'beach, white shirt'] },
      { command: 'face', paras: ['smile'] },
    ],
    rejected: 0,
  },
  {
    name: 'a label the photo lacks is dropped, the rest kept',
    reply: '[{"command":"change","paras":[["Shirt","Background"],"red jacket and a park"]}]',
    labels: ['Background', 'Hair', 'Face'],
    expect: [{ command: 'change', paras: [['Background'], 'red jacket and a park'] }],
    rejected: 1,
  },
  {
    name: 'no label left: the command is rejected',
    reply: '[{"command":"recolor","paras":[["Hat"],"red"]}]',
    labels: ['Background', 'Face'],
    expect: [],
    rejected: 1,
  },
  {
    name: 'an unknown command next to a good one',
    reply: '[{"command":"zoom","paras":[2]},{"command":"face","paras":["smile"]}]',
    expect: [{ command: 'face', paras: ['smile'] }],
    rejected: 1,
  },
  {
    name: 'a number out of range',
    reply: '[{"command":"blur","paras":[["Background"],500]}]',
    expect: [],
    rejected: 1,
  },
  {
    name: 'numbers given as strings',
    reply: '[{"command":"adjust","paras":[["*"],"20","-10","0"]}]',
    expect: [{ command: 'adjust', paras: [['*'], 20, -10] }],
    rejected: 0,
  },
  {
    name: 'Chinese colour and label',
    reply: '[{"command":"recolor","paras":[["衬衫"],"蓝色"]}]',
    expect: [{ command: 'recolor', paras: [['Upper-clothes'], '#0000ff'] }],
    rejected: 0,
  },
  {
    name: 'short hex colour',
    reply: '[{"command":"recolor","paras":[["Bag"],"#F00"]}]',
    expect: [{ command: 'recolor', paras: [['Bag'], '#ff0000'] }],
    rejected: 0,
  },
  {
    name: 'the whole image in Chinese',
    reply: '[{"command":"grayscale","paras":[["整张图"]]}]',
    expect: [{ command: 'grayscale', paras: [['*']] }],
    rejected: 0,
  },
  {
    name: 'priority order: swap_face before beauty',
    reply: '[{"command":"beauty","paras":[]},{"command":"swap_face","paras":[]}]',
    expect: [
      { command: 'swap_face', paras: [] },
      { command: 'beauty', paras: [] },
    ],
    rejected: 0,
  },
  {
    name: 'advice only',
    reply: '[{"command":"advice","paras":["The lighting is already good; try a warmer background."]}]',
    expect: [{ command: 'advice', paras: ['The lighting is already good; try a warmer background.'] }],
    rejected: 0,
  },
  {
    name: 'a refusal without JSON',
    reply: "Sorry, I can't help with editing this photo.",
    expect: [],
    rejected: 1,
  },
  {
    name: 'Chinese full-width reply over several lines',
    reply: '好的！\n［\n  ｛“command”：“recolor”，“paras”：［［“头发”］，“棕色”］｝，\n  ｛“command”：“face”，“paras”：［“smile”］｝\n］\n以上。',
    expect: [
      { command: 'face', paras: ['smile'] },
      { command: 'recolor', paras: [['Hair'], '#8b4513'] },
    ],
    rejected: 0,
  },
  {
    name: 'structured-output object form',
    reply: '{"commands":[{"command":"change","labels":["Background"],"prompt":"pine forest"}]}',
    expect: [{ command: 'change', paras: [['Background'], 'pine forest'] }],
    rejected: 0,
  },
  {
    name: 'unquoted keys',
    reply: '[{command: "blur", paras: [["Background"], 20]}]',
    expect: [{ command: 'blur', paras: [['Background'], 20] }],
    rejected: 0,
  },
  {
    name: 'a single label as a string',
    reply: '[{"command":"remove","paras":["Background"]}]',
    expect: [{ command: 'remove', paras: [['Background']] }],
    rejected: 0,
  },
  {
    name: 'a group word',
    reply: '[{"command":"recolor","paras":[["shoes"],"white"]}]',
    expect: [{ command: 'recolor', paras: [['Left-shoe', 'Right-shoe'], '#ffffff'] }],
    rejected: 0,
  },
  {
    name: 'a group word where the photo has only part of it',
    reply: '[{"command":"recolor","paras":[["鞋子"],"white"]}]',
    labels: ['Background', 'Left-shoe', 'Face'],
    expect: [{ command: 'recolor', paras: [['Left-shoe'], '#ffffff'] }],
    rejected: 0,
  },
  {
    name: 'command names in other spellings',
    reply: '[{"command":"Swap-Face","paras":[]},{"command":"GRAYSCALE","paras":[["Background"]]}]',
    expect: [
      { command: 'swap_face', paras: [] },
      { command: 'grayscale', paras: [['Background']] },
    ],
    rejected: 0,
  },
  {
    name: 'a command alias',
    reply: '[{"command":"inpaint","paras":[["Background"],"desert"]}]',
    expect: [{ command: 'change', paras: [['Background'], 'desert'] }],
    rejected: 0,
  },
  {
    name: 'apostrophes and bracketed prose before the JSON',
    reply: "I'll keep it simple [as you asked]. Here's the result: [{\"command\": \"face\", \"paras\": [\"subtle smile\"]}] — that's all.",
    expect: [{ command: 'face', paras: ['subtle smile'] }],
    rejected: 0,
  },
  {
    name: 'reasoning tags with brackets before the answer',
    reply: '<think>The user wants a beach [maybe at sunset?]. Output a change command.</think>\n[{"command":"change","paras":[["Background"],"beach at sunset"]}]',
    expect: [{ command: 'change', paras: [['Background'], 'beach at sunset'] }],
    rejected: 0,
  },
  {
    name: 'unescaped quotes inside a prompt',
    reply: '[{"command": "change", "paras": [["Upper-clothes"], "a t-shirt with "LOVE" printed on it"]}]',
    expect: [{ command: 'change', paras: [['Upper-clothes'], 'a t-shirt with "LOVE" printed on it'] }],
    rejected: 0,
  },
  {
    name: 'a prompt over the length limit',
    reply: `[{"command": "face", "paras": ["${'very '.repeat(80)}happy"]}]`,
    expect: [],
    rejected: 1,
  },
  {
    name: 'a number where text is expected',
    reply: '[{"command":"face","paras":[42]}]',
    expect: [],
    rejected: 1,
  },
  {
    name: 'too many parameters',
    reply: '[{"command":"face","paras":["smile","and more"]}]',
    expect: [],
    rejected: 1,
  },
  {
    name: 'Chinese enumeration comma between labels',
    reply: '[{"command":"grayscale","paras":[["背景"、"头发"]]}]',
    expect: [{ command: 'grayscale', paras: [['Background', 'Hair']] }],
    rejected: 0,
  },
  {
    name: 'double-encoded inside a fence',
    reply: `${fence}\n"[{\\"command\\":\\"beauty\\",\\"paras\\":[\\"soft light\\"]}]"\n${fence}`,
    expect: [{ command: 'beauty', paras: ['soft light'] }],
    rejected: 0,
  },
  {
    name: 'a list inside a list',
    reply: '[[{"command":"face","paras":["smile"]}]]',
    expect: [{ command: 'face', paras: ['smile'] }],
    rejected: 0,
  },
  {
    name: 'the command name as the key',
    reply: '{"change": [["Background"], "snow"]}',
    expect: [{ command: 'change', paras: [['Background'], 'snow'] }],
    rejected: 0,
  },
  {
    name: 'cut off inside the first command',
    reply: '好的：[{"command": "change", "paras": [["Backgr',
    expect: [],
    rejected: 1,
  },
  {
    name: 'an exact duplicate is dropped',
    reply: '[{"command":"recolor","paras":[["Bag"],"red"]},{"command":"recolor","paras":[["Bag"],"#ff0000"]}]',
    expect: [{ command: 'recolor', paras: [['Bag'], '#ff0000'] }],
    rejected: 0,
  },
  {
    name: 'the whole image absorbs parts when merging',
    reply: '[{"command":"grayscale","paras":[["Background"]]},{"command":"grayscale","paras":[["*"]]}]',
    expect: [{ command: 'grayscale', paras: [['*']] }],
    rejected: 0,
  },
  {
    name: 'blurs of different strength stay apart',
    reply: '[{"command":"blur","paras":[["Background"],10]},{"command":"blur","paras":[["Face"],60]}]',
    expect: [
      { command: 'blur', paras: [['Background'], 10] },
      { command: 'blur', paras: [['Face'], 60] },
    ],
    rejected: 0,
  },
  {
    name: 'T恤 and 红色 in a Chinese reply with an explanation after',
    reply: '指令：[{"command":"recolor","paras":[["T恤"],"红色"]}]\n说明：把T恤改成红色。',
    expect: [{ command: 'recolor', paras: [['Upper-clothes'], '#ff0000'] }],
    rejected: 0,
  },
  {
    name: 'a broken command between two good ones',
    reply: '[{"command":"face","paras":["smile"]}, {"command": change, "paras": []}, {"command":"remove","paras":[["Background"]]}]',
    expect: [
      { command: 'remove', paras: [['Background']] },
      { command: 'face', paras: ['smile'] },
    ],
    rejected: 1,
  },
  {
    name: 'the whole image where a command does not allow it',
    reply: '[{"command":"remove","paras":[["*"]]}]',
    expect: [],
    rejected: 1,
  },
  {
    name: 'a prompt in Chinese quotes inside an ASCII string',
    reply: '[{"command":"change","paras":[["Background"],"a sign that reads “欢迎”, night"]}]',
    expect: [{ command: 'change', paras: [['Background'], 'a sign that reads “欢迎”, night'] }],
    rejected: 0,
  },
];
