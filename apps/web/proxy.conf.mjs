// The Angular dev server (npm run dev, nx serve web) forwards the API's paths, WebSockets
// included, to the API that `nx serve api` runs: http://127.0.0.1:$API_PORT (3000 by default),
// or API_URL. (PORT is not used here: Angular's dev server takes PORT as its own port.)
const target = process.env.API_URL ?? `http://127.0.0.1:${process.env.API_PORT ?? 3000}`;

export default {
  '/graphql': { target, ws: true },
  '/health': { target },
  '/whip': { target },
  '/whep': { target },
  '/recordings': { target },
  '/thumbnails': { target },
  '/streams/*/thumbnail': { target },
  '/schema.graphql': { target },
};
