/**
 * Journey: a user signs in while the provider is down. Signing in cannot succeed; it must fail
 * cleanly. After the page settles the user is still on our page (not the browser's own error
 * page), the page is not blank, and it says what went wrong: `Sign-in failed: <reason>`.
 * Only meaningful while the provider is unreachable (the `cold-start-journey` drill): with a
 * healthy provider the browser reaches the login form and this journey fails, saying so.
 */
import { expect, test } from '@playwright/test';
import { Settle } from './settle.ts';

test('a sign-in while the provider is down fails with a readable error, never a blank page', async ({
  page,
}) => {
  const settle = await Settle.watch(page, 'session');
  await page.goto('/app/');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await settle.settled();

  const url = new URL(page.url());
  expect(url.pathname, `the browser left the page for ${url.href}`).toMatch(/^\/app\//);
  const text = (await page.locator('body').innerText()).trim();
  expect(text.length, 'the page is blank').toBeGreaterThan(0);
  const session = page.getByTestId('session');
  await expect(session).toHaveAttribute('data-kind', 'error');
  // A reason a person can read: words, not just a code.
  await expect(session).toHaveText(/^Sign-in failed: .*[a-z]{3,}.*[a-z]{3,}/);
});
