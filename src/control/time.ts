/** LastModified / CreatedDate as AWS formats them: 2019-08-14T22:26:11.234+0000. */
export function awsTimestamp(d: Date): string {
  return d.toISOString().replace('Z', '+0000');
}
