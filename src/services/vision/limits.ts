/** Outside limits of images in questions, each with its source. */

/** OpenAI: "Up to 20MB per image" (platform.openai.com/docs/guides/images-vision, "Image input requirements"); decimal MB, the smaller reading. */
export const MAX_IMAGE_BYTES = 20_000_000;

/**
 * OpenAI: "Up to 50 MB image bytes per request" (same page). Images travel as base64 data URLs (4/3 of their
 * size), so the images of one request together stay under 36 MB: 48 MB on the wire, with room for the text.
 */
export const MAX_REQUEST_IMAGE_BYTES = 36_000_000;

/**
 * New images read from one question. OpenAI takes up to 500; Discord allows 10 attachments a message.
 * Four keep one member's question (and its reservation) reasonable: gpt-4o bills up to 1,445 tokens an image.
 */
export const MAX_IMAGES_PER_QUESTION = 4;

/**
 * Images of earlier turns sent again with a follow-up question, newest first. Follow-ups are almost always
 * about the latest picture; every image re-sent costs its tokens again and a download, so two at most.
 */
export const MAX_PAST_IMAGES = 2;

/** One image download (Discord's CDN is fast; 20 MB on a slow link still fits). */
export const IMAGE_DOWNLOAD_TIMEOUT_MS = 30_000;

/**
 * The detail the bot asks for. OpenAI's default `auto` lets the model choose low or high, so the reservation
 * must assume high anyway; asking for `high` says what is paid for and what the model reads.
 */
export const IMAGE_DETAIL = 'high' as const;
