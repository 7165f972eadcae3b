/** Words and phrases for the demo helpdesk: an online outdoor-gear shop, "Northwind Outfitters". */

export const COMPANY = 'Northwind Outfitters';
export const AGENT_DOMAIN = 'northwind.example';

export const GROUPS = ['Support', 'Billing', 'Technical', 'VIP Care'] as const;

export const AGENTS: Array<{ name: string; group: (typeof GROUPS)[number]; title: string }> = [
  { name: 'Alex Rivera', group: 'Support', title: 'Support Lead' },
  { name: 'Priya Shah', group: 'Support', title: 'Customer Support' },
  { name: 'Marcus Chen', group: 'Support', title: 'Customer Support' },
  { name: 'Sofia Rossi', group: 'Billing', title: 'Billing Specialist' },
  { name: "Liam O'Connor", group: 'Billing', title: 'Billing Specialist' },
  { name: 'Hana Kobayashi', group: 'Technical', title: 'Technical Support' },
  { name: 'Daniel Okafor', group: 'Technical', title: 'Technical Support' },
  { name: 'Emma Lindqvist', group: 'Technical', title: 'Senior Technical Support' },
  { name: 'Noah Patel', group: 'VIP Care', title: 'VIP Care' },
  { name: 'Grace Mensah', group: 'VIP Care', title: 'Senior Customer Care' },
];

export const FIRST_NAMES = [
  'Olivia', 'James', 'Amelia', 'Lucas', 'Mia', 'Ethan', 'Isla', 'Mateo', 'Chloe', 'Arjun', 'Zoe', 'Kenji', 'Laura',
  'Tomás', 'Fatima', 'Oscar', 'Nina', 'Samuel', 'Elena', 'David', 'Aisha', 'Jonas', 'Chiara', 'Ben', 'Maya', 'Felix',
  'Ingrid', 'Omar', 'Rosa', 'Viktor', 'Leah', 'Ravi', 'Hannah', 'Diego', 'Yuki', 'Sara', 'Patrick', 'Anya', 'Kofi',
  'Julia', 'Ahmed', 'Clara', 'Niko', 'Eva', 'Tariq', 'Lena', 'Marco', 'Ruth', 'Sean', 'Ines',
];
export const LAST_NAMES = [
  'Smith', 'García', 'Müller', 'Nguyen', 'Johnson', 'Kowalski', 'Brown', 'Silva', 'Andersson', 'Rossi', 'Kim', 'Dubois',
  'Hughes', 'Novak', 'Tanaka', 'Evans', 'Schmidt', 'Costa', 'Walsh', 'Ivanova', 'Ahmed', 'Moreau', 'Jensen', 'Fischer',
  'Okoro', 'Bianchi', 'Murphy', 'Lopez', 'Singh', 'Berg', 'Clarke', 'Haddad', 'Weber', 'Santos', 'Baker', 'Nakamura',
];
export const CUSTOMER_DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'inbox.example.com', 'example.co.uk'];

export const PRODUCTS = [
  'Ridgeline 2-person tent', 'Summit 40L backpack', 'Trailblazer hiking boots', 'Aurora down jacket', 'Cascade water filter',
  'Nomad camping stove', 'Drift sleeping bag', 'Alpine trekking poles', 'Harbor rain shell', 'Basecamp headlamp',
];

export interface Category {
  key: string;
  group: (typeof GROUPS)[number];
  tags: string[];
  weight: number;
  hasOrder: boolean;
  priorityBias: number; // added to the urgency roll
  subjects: string[];
  openers: string[];
  followups: string[];
  notes: string[];
  agentReplies: string[];
}

export const CATEGORIES: Category[] = [
  {
    key: 'delivery', group: 'Support', tags: ['delivery', 'shipping'], weight: 24, hasOrder: true, priorityBias: 0,
    subjects: ['Where is my order {order}?', 'Package has not arrived yet', 'Tracking says delivered but nothing here', 'Delivery delayed again', 'Order {order} stuck in transit'],
    openers: [
      'Hi, I ordered the {product} on {day} (order {order}) and it still has not arrived. The tracking page has not moved for four days. Can you check what is going on?',
      'Hello, my tracking says the parcel was delivered yesterday but there is nothing at my door or with the neighbours. Order {order}.',
      'I need the {product} for a trip this weekend. Order {order} was supposed to arrive on Monday. Is there any way to speed this up?',
      'This is the second time my delivery has been delayed. Honestly I am getting frustrated. Order {order}, please tell me when it will arrive.',
    ],
    followups: ['Thanks. Any update from the courier?', 'Still nothing today, I am really disappointed.', 'It arrived this morning, thank you!', 'The courier says it is back at the depot. What now?'],
    notes: ['Checked the courier portal: parcel scanned at the regional depot, no movement since.', 'Opened a trace with the courier, reference TR-{n}.', 'Customer has had two late deliveries this quarter.'],
    agentReplies: ['I have checked with the courier: your parcel is at the regional depot and should be out for delivery within two working days. I will keep an eye on it.', 'I am sorry about the wait. I have opened a trace with the courier and will update you as soon as I hear back.', 'I have sent a replacement by express delivery at no cost. You should get a new tracking link by email today.'],
  },
  {
    key: 'refund', group: 'Billing', tags: ['refund', 'billing'], weight: 14, hasOrder: true, priorityBias: 1,
    subjects: ['Refund for order {order}', 'Still waiting for my refund', 'I want my money back', 'Refund not received after return'],
    openers: [
      'I returned the {product} two weeks ago and I still have not received my refund. Order {order}.',
      'Please refund order {order}. The item was not what was described on the website.',
      'This is unacceptable. I have been waiting a month for a refund of order {order}. If I do not hear back I will file a chargeback.',
    ],
    followups: ['Thanks, I can see it now.', 'It has been five days and nothing has arrived on my card.', 'OK, thank you for checking.'],
    notes: ['Return received at the warehouse on the 3rd; refund approved.', 'Refund issued via the payment provider, ref RF-{n}.', 'Possible chargeback risk: customer mentioned their bank.'],
    agentReplies: ['I have processed your refund. It usually shows on your statement within 5 to 7 working days.', 'Your return reached our warehouse and the refund is on its way back to your original payment method.', 'I am sorry this took so long. I have pushed the refund through today and added free shipping to your next order.'],
  },
  {
    key: 'billing', group: 'Billing', tags: ['billing'], weight: 8, hasOrder: true, priorityBias: 1,
    subjects: ['Charged twice for order {order}', 'Invoice request for {order}', 'Wrong amount charged', 'VAT number missing on my invoice'],
    openers: ['I was charged twice for order {order}. Can you please reverse the second payment?', 'Could you send me a proper invoice for order {order}? I need it for my company expenses.', 'The price at checkout was lower than what I was charged. Order {order}.'],
    followups: ['Thank you, got the invoice.', 'I still see two charges on my statement.', 'Perfect, thanks.'],
    notes: ['Duplicate authorisation only; the second charge will drop off automatically.', 'Invoice regenerated with the VAT number.'],
    agentReplies: ['The second charge is only a temporary hold and will disappear within a few days. You will not be charged twice.', 'I have attached your invoice with your VAT number included.', 'You are right, the discount did not apply. I have refunded the difference.'],
  },
  {
    key: 'returns', group: 'Support', tags: ['returns'], weight: 10, hasOrder: true, priorityBias: -1,
    subjects: ['How do I return the {product}?', 'Exchange for a different size', 'Return label not working', 'Return window question'],
    openers: ['The {product} is a bit too small. Can I exchange it for the next size up? Order {order}.', 'How do I return an item? I cannot find the return label in my account.', 'The return label you sent me gives an error at the post office. Order {order}.'],
    followups: ['Great, I will send it back tomorrow.', 'The new label works, thanks.', 'Do I need to include the original box?'],
    notes: ['Exchange approved; new size reserved in stock.', 'Label regenerated after courier API error.'],
    agentReplies: ['I have emailed you a prepaid return label. Pop it on the parcel and drop it at any post office.', 'I have reserved the next size up for you. As soon as the courier scans your return, we will send it out.', 'No need for the original box, any sturdy packaging is fine.'],
  },
  {
    key: 'product', group: 'Support', tags: ['product-question'], weight: 10, hasOrder: false, priorityBias: -1,
    subjects: ['Question about the {product}', 'Is the {product} waterproof?', 'Sizing advice', 'Will the {product} be back in stock?'],
    openers: ['Hi! Is the {product} suitable for winter camping? I am planning a trip in the Alps in January.', 'Can you tell me how the {product} fits? I am usually between sizes.', 'When will the {product} be back in stock?'],
    followups: ['Thanks, that is really helpful.', 'Great, I will order it then.', 'Could you let me know when it is back?'],
    notes: ['Restock expected in two weeks per the buying team.'],
    agentReplies: ['Great question! The {product} is rated for three seasons, so for January in the Alps I would pair it with a four-season shelter.', 'It fits true to size. If you are between sizes and want to layer underneath, go one size up.', 'It is due back in stock in about two weeks. I have added a back-in-stock alert for you.'],
  },
  {
    key: 'account', group: 'Technical', tags: ['account', 'login'], weight: 9, hasOrder: false, priorityBias: 0,
    subjects: ['Cannot log in to my account', 'Password reset email never arrives', 'Locked out after too many attempts', 'Change the email on my account'],
    openers: ['I have tried to reset my password three times and the email never arrives. I checked spam too.', 'My account says it is locked. I need to see my order history urgently.', 'How do I change the email address on my account?'],
    followups: ['It worked, thank you!', 'Still no email.', 'I am in now, thanks.'],
    notes: ['Reset emails bounced: typo in the stored address, corrected.', 'Unlocked the account manually.'],
    agentReplies: ['I have unlocked your account and sent a fresh reset link. It is valid for one hour.', 'Your email address had a small typo in our system. I have fixed it, so the reset email should arrive now.', 'I have updated the email on your account. You will get a confirmation at the new address.'],
  },
  {
    key: 'outage', group: 'Technical', tags: ['bug', 'website'], weight: 7, hasOrder: false, priorityBias: 2,
    subjects: ['Checkout keeps failing', 'Website down?', 'App crashes when I open my basket', 'Payment page error 500', 'Urgent: cannot place an order'],
    openers: ['The checkout page keeps failing with an error when I click pay. I have tried three cards.', 'Is your website down? I get an error on every page.', 'The app crashes every time I open my basket. This is urgent, the sale ends tonight.'],
    followups: ['It works now, thanks.', 'Still broken for me.', 'Thanks for the quick fix.'],
    notes: ['Linked to incident INC-{n}: payment gateway timeouts.', 'Reproduced on iOS 18; engineering ticket filed.'],
    agentReplies: ['We had a problem with our payment provider this morning. It is fixed now, so please try again.', 'Thanks for telling us. Our team found the bug and a fix is live; please update the app.', 'Sorry about that. The site is back up and your basket has been saved.'],
  },
  {
    key: 'damaged', group: 'Support', tags: ['damaged', 'quality'], weight: 7, hasOrder: true, priorityBias: 1,
    subjects: ['Item arrived damaged', 'Broken zip on the {product}', 'Missing parts in my order', 'Faulty {product}'],
    openers: ['The {product} arrived with a torn seam. Order {order}. Very disappointed, it was a gift.', 'The zip on my {product} broke after two uses. This is not what I expect at this price.', 'My order {order} was missing the tent poles.'],
    followups: ['Thank you, that is a great solution.', 'When will the replacement ship?', 'Here is a photo of the damage.'],
    notes: ['Photos received; quality team notified, batch Q-{n}.', 'Replacement approved without return.'],
    agentReplies: ['I am so sorry. I have sent a replacement today, and there is no need to return the damaged one.', 'That should not happen. I have arranged a free repair or a full refund, whichever you prefer.', 'I have shipped the missing parts by express post.'],
  },
  {
    key: 'cancellation', group: 'Billing', tags: ['cancellation'], weight: 6, hasOrder: true, priorityBias: 1,
    subjects: ['Cancel my order {order}', 'Please cancel before it ships', 'Cancel subscription box'],
    openers: ['Please cancel order {order}, I ordered the wrong colour.', 'I want to cancel my subscription box. I have asked twice already.', 'Can you cancel order {order} before it ships?'],
    followups: ['Thanks for sorting it.', 'Did the cancellation go through?'],
    notes: ['Order intercepted before dispatch.', 'Subscription cancelled; final box not charged.'],
    agentReplies: ['Done: your order is cancelled and you have not been charged.', 'Your subscription is cancelled. You will not be charged again.'],
  },
  {
    key: 'feedback', group: 'Support', tags: ['feedback'], weight: 5, hasOrder: false, priorityBias: -2,
    subjects: ['Suggestion for your website', 'Loved the {product}!', 'Feedback on packaging'],
    openers: ['Just wanted to say the {product} was brilliant on my last trip. Thank you!', 'Could you use less plastic in your packaging? Otherwise great service.', 'It would be great to filter products by weight on the website.'],
    followups: ['Thanks for passing it on!'],
    notes: ['Shared with the product team.'],
    agentReplies: ['Thank you so much for taking the time to tell us. I have passed this on to our team.', 'Great idea, I have shared it with the web team.'],
  },
];

export const RATING_COMMENTS = {
  good: ['Quick and friendly, thank you!', 'Sorted in one reply, great service.', 'Very helpful.', 'Alex was lovely.', 'Fast refund, thanks.'],
  bad: ['Took far too long.', 'I had to explain my problem three times.', 'Still not resolved properly.', 'Nobody answered for days.'],
};
