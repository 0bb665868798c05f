// The layout shows the pipeline only if no two modules import each other, however indirectly.
import madge from 'madge';
import { describe, expect, it } from 'vitest';

describe('src/', () => {
  it('has no import cycles', async () => {
    const root = new URL('../../', import.meta.url).pathname;
    const graph = await madge(`${root}src`, { fileExtensions: ['ts'], tsConfig: `${root}tsconfig.json` });
    expect(Object.keys(graph.obj()).length).toBeGreaterThan(100);
    expect(graph.circular()).toEqual([]);
  }, 60_000);
});
