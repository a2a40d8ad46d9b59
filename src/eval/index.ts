export { BUNDLED_SET, EvalItemSchema, loadEvalSet, parseEvalSet, type EvalItem } from './set.js';
export { agreement, isValidReply, percentile, summarize, type Agreement, type ItemOutcome, type Prices, type ProfileSummary, type Usage } from './metrics.js';
export { OFFLINE_PROFILE, llmProfile, plannerForProfile, type ProfilePlanner, type ProfilePlannerOptions } from './planners.js';
export { DEFINITIONS, referenceCommands, runEval, type EvalReport, type EvalRunOptions } from './run.js';
export { markdownReport, markdownTable, percent } from './report.js';
export { escapeXml, renderChartPng, renderChartSvg } from './chart.js';
export { writeEvalOutputs } from './outputs.js';
export { progressBar, type Progress } from './progress.js';
export {
  generateDataset,
  sampleKey,
  progressFile,
  type AlpacaSample,
  type DatasetOptions,
  type DatasetResult,
  type PhotoLabels,
} from './dataset.js';
export { photoLabelsSource, listPhotos, type LabelsSource, type PhotoSegmenter } from './photos.js';
export { teacherRequestWriter, cleanRequest, type RequestWriter } from './teacher.js';
export { readConversations, anonymise } from './conversations.js';
export { checkTable, loadCheckSet, runCheckEval, summarizeCheck, syntheticCheckSet, type CheckEvalOptions, type CheckEvalReport, type CheckItem, type CheckOutcome } from './check.js';
