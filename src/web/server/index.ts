export { DEFAULT_HOST, DEFAULT_PORT, DEFAULT_RATE_LIMIT, startPublicServer, type PublicServer, type PublicServerOptions } from './server';
