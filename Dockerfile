# syntax=docker/dockerfile:1
# Multi-stage build of the finserve-live API and the web app it serves (dist/apps/web/browser).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# npm ci's postinstall applies patches/*.patch (patch-package) to the installed dependencies.
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx nx run-many -t build --output-style=static

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/app/.data
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# npm ci's postinstall applies patches/*.patch (patch-package) to the installed dependencies.
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/.data && chown -R node:node /app/.data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/api/main.js"]
