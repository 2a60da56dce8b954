// Lambda handler: event in, JSON-serialisable result out. console.log lines
// go to the function's log (kumo logs <function>).
export const handler = async (event) => {
  const name = typeof event?.name === 'string' && event.name ? event.name : 'world';
  const greeting = process.env.GREETING || 'Hello';
  console.log(`greeting ${name}`);
  return { message: `${greeting}, ${name}!` };
};
