import { describe, expect, test } from 'vitest';
import { fetchImage } from '../../../src/services/vision/fetchImage.ts';
import { imageTokens } from '../../../src/services/vision/imageTokens.ts';
import { craftGif } from '../../support/craftedImages.ts';

/** A still GIF whose logical screen says `screen`×`screen` around one `frame`×`frame` frame at (0, 0). */
function gifWithSmallScreen(screen: number, frame: number): Uint8Array {
  const bytes = craftGif(frame, frame);
  bytes.set([screen & 0xff, screen >> 8, screen & 0xff, screen >> 8], 6);
  return bytes;
}

const serve = (bytes: Uint8Array): typeof fetch => async () => new Response(bytes, { headers: { 'content-type': 'image/gif' } });

describe('fetchImage', () => {
  test('a GIF whose frame reaches past a tiny logical screen is priced by the canvas a decoder gives it, not by the screen', async () => {
    const bytes = gifWithSmallScreen(1, 2048);
    const fetched = await fetchImage('https://cdn.discordapp.com/attachments/1/2/a.gif', { declaredSize: bytes.length, fetch: serve(bytes) });
    expect(fetched.ok).toBe(true);
    if (!fetched.ok) return;
    expect(fetched.image).toMatchObject({ mime: 'image/gif', width: 2048, height: 2048 });
    // gpt-4o, high detail: 2048² → 768² → 4 tiles, the same as an honest 2048×2048 GIF (not the 85 of a 1×1).
    expect(imageTokens({ tiles: { base: 85, tile: 170 } }, fetched.image.width, fetched.image.height, 'high')).toBe(765);
  });

  test('an ordinary still GIF keeps its own size', async () => {
    const bytes = craftGif(320, 200);
    const fetched = await fetchImage('https://cdn.discordapp.com/attachments/1/2/b.gif', { declaredSize: bytes.length, fetch: serve(bytes) });
    expect(fetched.ok && fetched.image).toMatchObject({ width: 320, height: 200 });
  });
});
