/**
 * Writes fixtures/c4-like-docs.jsonl: long-document prompts shaped like C4 (web pages of varied
 * English: recipes, travel notes, product reviews, local news, how-to guides, club newsletters),
 * one JSONL prompt per line in the format the `jsonl` dataset reads
 * (`{"prompt": "...", "output_tokens": 192}`), so nothing is downloaded and the output is
 * byte-identical on every run (seeded; a test regenerates it and compares).
 *
 * Each document asks for a summary and then gives the page: a title, paragraphs of sentences built
 * from its topic's words and sentence patterns, so that consecutive documents differ in topic,
 * length and wording. Lengths are log-uniform between MIN_WORDS and MAX_WORDS (about 1.2 tokens a
 * word with punctuation: several hundred to a few thousand tokens, as seed 002's "768+ token" C4
 * prompts). The output length is the seed's 192 tokens.
 *
 * Run: node scripts/generate-c4-like.ts [output path]   (default: fixtures/c4-like-docs.jsonl)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng, type Rng } from '../src/core/rng.ts';

export const SEED = 20020002;
export const DOCUMENTS = 12;
export const MIN_WORDS = 450;
export const MAX_WORDS = 1300;
export const OUTPUT_TOKENS = 192;

interface Topic {
  readonly titles: readonly string[];
  readonly subjects: readonly string[];
  readonly verbs: readonly string[];
  readonly objects: readonly string[];
  readonly details: readonly string[];
}

const TOPICS: readonly Topic[] = [
  {
    titles: [
      'Easy Weeknight Lentil Soup',
      'The Best Banana Bread You Will Ever Bake',
      'Roasted Vegetables for a Crowd',
    ],
    subjects: [
      'the onions',
      'this recipe',
      'my grandmother',
      'a good stock',
      'the oven',
      'the dough',
      'fresh garlic',
    ],
    verbs: ['needs', 'brings out', 'turns into', 'works well with', 'softens', 'makes room for', 'keeps'],
    objects: [
      'a pinch of salt',
      'the sweetness of the carrots',
      'a rich golden crust',
      'leftover rice',
      'two cups of water',
      'a squeeze of lemon',
    ],
    details: [
      'after about twenty minutes',
      'on a cold Sunday evening',
      'if you stir it now and then',
      'without much effort',
      'in a heavy pot',
    ],
  },
  {
    titles: [
      'Three Days in Lisbon on a Budget',
      'Hiking the Coastal Trail in Early Spring',
      'What Nobody Tells You About Night Trains',
    ],
    subjects: [
      'the old town',
      'our guide',
      'the ferry',
      'the hostel',
      'a local baker',
      'the trail',
      'the museum',
    ],
    verbs: [
      'opens onto',
      'leads past',
      'offers',
      'is close to',
      'winds along',
      'charges extra for',
      'overlooks',
    ],
    objects: [
      'narrow streets full of tiles',
      'a quiet beach',
      'cheap lunch menus',
      'the river at sunset',
      'a view of the harbour',
      'free walking tours',
    ],
    details: [
      'in the off season',
      'before the crowds arrive',
      'for less than ten euros',
      'on the second morning',
      'when the weather turns',
    ],
  },
  {
    titles: [
      'Review: A Mid-Range Cordless Drill',
      'Is This Budget Laptop Worth It?',
      'Six Months With a Robot Vacuum',
    ],
    subjects: [
      'the battery',
      'the keyboard',
      'the build quality',
      'the charger',
      'customer support',
      'the motor',
      'the screen',
    ],
    verbs: [
      'lasts through',
      'struggles with',
      'handles',
      'feels solid during',
      'falls short on',
      'copes with',
      'beats',
    ],
    objects: [
      'a full day of work',
      'thick carpets',
      'video calls',
      'hardwood and tile',
      'small repairs around the house',
      'the more expensive models',
    ],
    details: [
      'for the price',
      'after a firmware update',
      'in our testing',
      'compared with last year',
      'under heavy use',
    ],
  },
  {
    titles: [
      'Council Approves New Bike Lanes Downtown',
      'Library Expansion Opens to the Public',
      'Local School Wins Regional Science Fair',
    ],
    subjects: [
      'the city council',
      'residents',
      'the mayor',
      'the school board',
      'local businesses',
      'the library',
      'volunteers',
    ],
    verbs: [
      'voted to fund',
      'raised concerns about',
      'celebrated',
      'asked for',
      'welcomed',
      'debated',
      'will review',
    ],
    objects: [
      'the new budget',
      'longer opening hours',
      'safer crossings near the park',
      'the community garden',
      'a second bus line',
      'the renovation plans',
    ],
    details: [
      'at Tuesday night’s meeting',
      'after months of discussion',
      'despite some opposition',
      'according to a spokesperson',
      'by a narrow margin',
    ],
  },
  {
    titles: [
      'How to Repot a Houseplant Without Killing It',
      'A Beginner’s Guide to Budget Spreadsheets',
      'Fixing a Dripping Tap in Ten Minutes',
    ],
    subjects: [
      'the first step',
      'a good rule of thumb',
      'the old washer',
      'your spreadsheet',
      'the root ball',
      'the new pot',
      'a small wrench',
    ],
    verbs: [
      'will loosen',
      'helps you track',
      'replaces',
      'depends on',
      'protects',
      'makes it easier to see',
      'prevents',
    ],
    objects: [
      'monthly expenses',
      'the drainage holes',
      'water damage',
      'the valve seat',
      'fresh potting mix',
      'where the money goes',
    ],
    details: [
      'before you start',
      'once a month',
      'with the water turned off',
      'in most homes',
      'if the leaves turn yellow',
    ],
  },
  {
    titles: [
      'Notes From the Spring Meeting of the Riverside Garden Club',
      'Our Chess Club Turns Ten',
      'Choir Newsletter: Summer Concert Plans',
    ],
    subjects: [
      'the committee',
      'our members',
      'the treasurer',
      'the new season',
      'the summer concert',
      'a visiting speaker',
      'the raffle',
    ],
    verbs: [
      'thanked',
      'set aside money for',
      'introduced',
      'will feature',
      'raised funds for',
      'discussed',
      'reminded everyone about',
    ],
    objects: [
      'the plant sale',
      'new sheet music',
      'the annual tournament',
      'the rental of the hall',
      'tea and cake after practice',
      'the membership fees',
    ],
    details: [
      'at the start of the evening',
      'for the coming year',
      'with great enthusiasm',
      'as in previous years',
      'before the summer break',
    ],
  },
];

const CONNECTIVES = [
  'Also,',
  'However,',
  'In fact,',
  'Meanwhile,',
  'Of course,',
  'Still,',
  'For example,',
  'Then again,',
];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(0, items.length - 1)] as T;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function sentence(rng: Rng, topic: Topic): string {
  const core = `${pick(rng, topic.subjects)} ${pick(rng, topic.verbs)} ${pick(rng, topic.objects)}`;
  const shape = rng.next();
  if (shape < 0.3) return `${capitalise(core)} ${pick(rng, topic.details)}.`;
  if (shape < 0.5) return `${pick(rng, CONNECTIVES)} ${core}.`;
  if (shape < 0.65) return `${capitalise(pick(rng, topic.details))}, ${core}.`;
  if (shape < 0.8)
    return `${capitalise(core)}, and ${pick(rng, topic.subjects)} ${pick(rng, topic.verbs)} ${pick(rng, topic.objects)}.`;
  if (shape < 0.9) return `Did you know that ${core}? ${capitalise(pick(rng, topic.details))}, it seems so.`;
  return `${capitalise(core)} (${pick(rng, topic.details)}).`;
}

const wordCount = (s: string) => s.split(/\s+/).filter((w) => w !== '').length;

/** One document of about `words` words on `topic`, as a web page's text: title, then paragraphs. */
export function document(rng: Rng, topic: Topic, words: number): string {
  const paragraphs: string[] = [];
  let paragraph: string[] = [];
  let count = 0;
  let target = rng.int(3, 7);
  while (count < words) {
    const s = sentence(rng, topic);
    paragraph.push(s);
    count += wordCount(s);
    if (paragraph.length >= target) {
      paragraphs.push(paragraph.join(' '));
      paragraph = [];
      target = rng.int(3, 7);
    }
  }
  if (paragraph.length > 0) paragraphs.push(paragraph.join(' '));
  return `${pick(rng, topic.titles)}\n\n${paragraphs.join('\n\n')}`;
}

/** The fixture's lines, each a JSON object of the jsonl dataset. */
export function generate(seed = SEED, documents = DOCUMENTS): string[] {
  const rng = createRng(seed);
  const lines: string[] = [];
  for (let d = 0; d < documents; d++) {
    const topic = TOPICS[d % TOPICS.length] as Topic;
    // Log-uniform length: as many short pages as long ones on a log scale.
    const words = Math.round(MIN_WORDS * (MAX_WORDS / MIN_WORDS) ** rng.next());
    const text = document(rng.fork(`doc-${d}`), topic, words);
    const prompt = `Summarise the following web page in a few sentences.\n\n${text}`;
    lines.push(JSON.stringify({ prompt, output_tokens: OUTPUT_TOKENS }));
  }
  return lines;
}

if (import.meta.main) {
  const out = process.argv[2] ?? join(import.meta.dirname, '../fixtures/c4-like-docs.jsonl');
  const lines = generate();
  writeFileSync(out, `${lines.join('\n')}\n`);
  console.log(`wrote ${out}: ${lines.length} documents`);
}
