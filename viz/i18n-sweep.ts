import type { Text } from '../lessons/lesson.ts';

/** The sweep panel's strings (views/sweep-view.ts), in both languages; spread into the page's table in i18n.ts. */
export const SWEEP_STRINGS = {
  sweepButton: { en: 'Sweep', zh: '扫描' },
  sweepButtonTitle: { en: 'The sweep results opened last: success rate against a parameter, with 95% intervals', zh: '最近打开的扫描结果：成功率随参数的变化，带 95% 置信区间' },
  sweepTitle: { en: 'Sweep {name}: {runs} runs, {combos} combinations', zh: '扫描 {name}：{runs} 次运行，{combos} 种组合' },
  sweepDuplicates: { en: ', {n} duplicate results ignored', zh: '，忽略 {n} 个重复结果' },
  sweepAcross: { en: 'across', zh: '横轴' },
  sweepMeasure: { en: 'measure', zh: '指标' },
  sweepSuccess: { en: 'success rate', zh: '成功率' },
  sweepIce: { en: 'ICE setup time (mean)', zh: 'ICE 建立时间（均值）' },
  sweepLoss: { en: 'media loss (mean)', zh: '媒体丢包率（均值）' },
  sweepClose: { en: 'close', zh: '关闭' },
  sweepSvgTitle: { en: 'The plot as an SVG file', zh: '把图表保存为 SVG 文件' },
  sweepCsvTitle: { en: 'The aggregate table as CSV', zh: '把汇总表保存为 CSV' },
  sweepInterval: { en: 'Bars: 95% intervals (success: Wilson score; times and loss: normal approximation of the mean).', zh: '误差线：95% 置信区间（成功率用 Wilson 区间；时间和丢包率用均值的正态近似）。' },
  sweepMissing: { en: '{n} combinations have no value for this measure (no run connected, or no media was expected) and are not drawn.', zh: '有 {n} 种组合在此指标上没有数值（没有运行连通，或没有预期的媒体），未画出。' },
  sweepNoRows: { en: 'The file holds no results.', zh: '文件中没有结果。' },
  // the aggregate's columns (sim/sweep/aggregate.ts AGGREGATE_COLUMNS, the CLI's table heads)
  sweepColRuns: { en: 'runs', zh: '运行次数' },
  sweepColSuccess: { en: 'success [95% CI]', zh: '成功率 [95% CI]' },
  sweepColIceMedian: { en: 'ICE ms median', zh: 'ICE 毫秒 中位数' },
  sweepColIceMean: { en: 'ICE ms mean [95% CI]', zh: 'ICE 毫秒 均值 [95% CI]' },
  sweepColCallMedian: { en: 'call ms median', zh: '通话建立 毫秒 中位数' },
  sweepColLoss: { en: 'media loss [95% CI]', zh: '媒体丢包率 [95% CI]' },
  sweepColPair: { en: 'most frequent pair', zh: '最常选中的候选对' },
  sweepFailedSeeds: { en: 'failed seeds', zh: '失败的种子' },
  sweepReplay: { en: 'replay', zh: '重放' },
  sweepReplayTitle: { en: "The command that runs this combination again with the seed shown (put the sweep's scenario in place of SCENARIO)", zh: '用所示种子再次运行该组合的命令（把 SCENARIO 换成扫描所用的场景）' },
  sweepPointTitle: { en: '{series}\n{x}: {value} [{low}, {high}] over {runs} runs', zh: '{series}\n{x}：{value} [{low}, {high}]，共 {runs} 次运行' },
  sweepOpened: { en: 'Sweep results {name}: {runs} runs. The trace shown before stays loaded.', zh: '扫描结果 {name}：{runs} 次运行。之前显示的轨迹仍然保留。' },
  sweepCannotRead: { en: 'Cannot open {name}: {message}', zh: '无法打开 {name}：{message}' },
} as const satisfies Record<string, Text>;
