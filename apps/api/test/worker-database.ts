// A setup file (jest.config.ts): with several workers, this worker's suites use the database
// global-setup.ts made for it (TEST_DATABASE_URL_W<n>) instead of the run's shared one.
const own = process.env[`TEST_DATABASE_URL_W${process.env['JEST_WORKER_ID'] ?? ''}`];
if (own) process.env['TEST_DATABASE_URL'] = own;
