import Newsletter, { type NewsletterProps } from '../../emails/Newsletter';

/** `npm run email:dev` (react-email's preview) renders the template with these props. */
describe('the template’s PreviewProps', () => {
  it('are the seed issue', () => {
    const props = (Newsletter as unknown as { PreviewProps: NewsletterProps }).PreviewProps;
    expect(props.view.title).toBe('Week of March 22, 2021');
    expect(props.view.featured.map((e) => e.title)).toEqual(['Solidarity with BAmazon Union! Rally at Grand Park']);
    expect(props.view.sections[0]!.events.map((e) => e.title)).toEqual([
      'One-on-One Organizing Conversation Training',
      'South Central & Inglewood March Branch Meeting',
      'Pass the PRO Act Planning Meeting',
      'DSA 101',
    ]);
  });
});
