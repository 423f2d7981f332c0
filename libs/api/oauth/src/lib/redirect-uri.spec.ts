import { MAX_REDIRECT_URI_LENGTH, redirectUriProblem } from './redirect-uri';

describe('redirectUriProblem', () => {
  it.each([
    'https://bot.example.com/callback',
    'https://bot.example.com:8443/cb?x=1',
    'http://localhost:8080/callback',
    'http://127.0.0.1/cb',
    'http://[::1]:3000/cb',
  ])('accepts %s', (uri) => {
    expect(redirectUriProblem(uri)).toBeNull();
  });

  it.each([
    ['http://bot.example.com/cb', /only allowed on localhost/],
    ['http://10.0.0.1/cb', /only allowed on localhost/],
    ['ftp://bot.example.com/cb', /must use https/],
    ['javascript:alert(1)', /must use https/],
    ['/relative/cb', /not an absolute URL/],
    ['https://bot.example.com/cb#frag', /fragment/],
    ['https://user:pw@bot.example.com/cb', /user info/],
    ['https://*.example.com/cb', /wildcard|not an absolute/],
    ['https://bot.example.com/c b', /spaces/],
    ['', /1\.\./],
    [`https://bot.example.com/${'a'.repeat(MAX_REDIRECT_URI_LENGTH)}`, /1\.\./],
  ])('refuses %s', (uri, problem) => {
    expect(redirectUriProblem(uri)).toMatch(problem);
  });
});
