/**
 * Journey: a user signs in at the provider (authorization code + PKCE through the real login
 * form), asks, keeps the answer, waits for the access token to run out, asks again (the page
 * refreshes the token, the provider rotates the refresh token) and keeps that answer too. Every
 * check waits for the settled page, so an error that replaces an answer later is caught.
 */
import { expect, test } from '@playwright/test';
import { expectAnswerKept, Settle } from './settle.ts';

const USER = 'journey-user';

test('a signed-in user gets answers that stay, across a token refresh', async ({ page }) => {
  const settle = await Settle.watch(page, 'answer');

  await test.step('sign in at the provider', async () => {
    await page.goto('/app/');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/authorize\?/);
    await page.getByLabel('Username').fill(USER);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Generous: a loaded CI box can take seconds to start the page; speed is journey_duration's job.
    await expect(page.getByTestId('session')).toHaveText(`Signed in as ${USER}`, { timeout: 10_000 });
  });

  await test.step('ask and keep the answer', async () => {
    const mark = settle.mark();
    await page.getByRole('button', { name: 'Ask' }).click();
    await settle.settled();
    expectAnswerKept(settle.since(mark));
  });

  await test.step('ask again after the token expired', async () => {
    await expect(page.getByTestId('token-state')).toHaveText('expired', { timeout: 15_000 });
    const before = Number(await page.getByTestId('refreshes').textContent());
    const mark = settle.mark();
    await page.getByRole('button', { name: 'Ask' }).click();
    await settle.settled();
    expectAnswerKept(settle.since(mark));
    // This call needed a refresh (and with it a rotated refresh token).
    expect(Number(await page.getByTestId('refreshes').textContent())).toBeGreaterThan(before);
  });
});
