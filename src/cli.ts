export async function main(argv: string[]): Promise<number> {
  console.log('scbench', argv.join(' '));
  return 0;
}
