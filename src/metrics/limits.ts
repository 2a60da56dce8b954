/**
 * Metrics limits. AWS's values cited where CloudWatch documents one; Kumo's
 * own bounds (memory and store size on one host) say so.
 */

/** The finest period kept: CloudWatch's standard resolution (Lambda publishes 1-minute metrics). */
export const bucketMs = 60_000;
/**
 * Retention tiers (Kumo's schedule, shorter than AWS's: AWS keeps 1-minute
 * points 15 days, 5-minute 63 days and 1-hour 455 days, per the
 * GetMetricStatistics reference). Older points are rolled up into the next
 * period, then deleted.
 */
export const minutePointsKeepMs = 24 * 3_600_000;
export const fiveMinutePointsKeepMs = 15 * 86_400_000;
export const hourPointsKeepMs = 63 * 86_400_000;
/**
 * Day points (Kumo's tier past the hour one, for `kumo cost`: AWS bills
 * monthly, so a bill needs usage per day for more than a year): hour points
 * past `hourPointsKeepMs` roll into 1-day points, kept 455 days (the longest
 * retention AWS gives a metric: 1-hour points, 455 days).
 */
export const dayPointsKeepMs = 455 * 86_400_000;
/** Kumo's bound on live in-memory series (a series is namespace + metric + dimensions); a new series past it is not recorded. */
export const seriesMax = 20_000;
/** How often open buckets are written to the store (off the invoke path). */
export const flushIntervalMs = 10_000;
/** How often old points are rolled up or deleted. */
export const rollupIntervalMs = 300_000;
/** Points read per rollup transaction. */
export const rollupBatchPointsMax = 5_000;
/** GetMetricStatistics: at most 1,440 data points per call (AWS). */
export const dataPointsPerCallMax = 1_440;
/** GetMetricData: at most 100,800 data points per call and 500 queries (AWS). */
export const metricDataPointsMax = 100_800;
export const metricDataQueriesMax = 500;
/** ListMetrics: up to 500 results per page (AWS). */
export const listMetricsPageMax = 500;
/** ListMetrics returns metrics that reported data in the past two weeks (AWS). */
export const listMetricsActiveMs = 14 * 86_400_000;
/** PutMetricData: at most 1,000 metrics per request, 150 Values per datum, 30 dimensions per metric (AWS). */
export const putMetricDataMetricsMax = 1_000;
export const putValuesMax = 150;
export const dimensionsMax = 30;
/** PutMetricData timestamps: up to two weeks before now and 2 hours after (AWS). */
export const putPastMs = 14 * 86_400_000;
export const putFutureMs = 2 * 3_600_000;
/** Namespace 1-255 characters, metric name 1-255, dimension name 1-255, dimension value 1-1024 (the model's constraints). */
export const namespaceCharsMax = 255;
export const metricNameCharsMax = 255;
export const dimensionNameCharsMax = 255;
export const dimensionValueCharsMax = 1_024;
/** Values must be within -2^360..2^360 (AWS's PutMetricData reference). */
export const valueAbsMax = 2 ** 360;
/** EMF: at most 100 metrics per directive and 30 dimensions (AWS's Embedded Metric Format specification). */
export const emfMetricsMax = 100;
