/**
 * @file The tree-sitter grammar of Charter source files.
 * @license MIT OR Apache-2.0
 *
 * It follows grammar/charter.pest (the parser of record) and docs/LANGUAGE.md §2–§5:
 * a file `charter check` parses has no ERROR or MISSING node here (tested on every
 * `.charter` file of the repository, tests/repository.rs). The one lookahead a regex
 * cannot express, whether `5 ABC` is money, is in src/scanner.c.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

// Operator precedences, loosest first, as in LANGUAGE.md §4 ("Expressions").
const PREC = {
  or: 1,
  and: 2,
  not: 3,
  compare: 4,
  add: 5,
  multiply: 6,
  negate: 7,
  postfix: 8,
};

// `1_200_000`, `1.5`, with an optional `k`, `M` or `B` multiplier.
const DIGITS = /[0-9]+(_[0-9]+)*/.source;
const NUMBER_BODY = `${DIGITS}(\\.${DIGITS})?[kMB]?`;

/**
 * A comma-separated list with an optional trailing comma.
 * @param {RuleOrLiteral} rule
 */
function commaSep(rule) {
  return optional(seq(rule, repeat(seq(',', rule)), optional(',')));
}

module.exports = grammar({
  name: 'charter',

  word: $ => $.identifier,

  // The currency of a money literal needs a lookahead (src/scanner.c).
  externals: $ => [$.currency, $._expression_currency],

  // Whitespace is what pest's `WHITESPACE` skips: space, tab, `\n`, `\r` and a byte-order
  // mark; ordinary comments go anywhere whitespace does.
  extras: $ => [/[ \t\n\r\uFEFF]/, $.comment],

  conflicts: $ => [
    // `a: string required` sets the flag; `a: string` then `required: bool` is the next
    // field named `required`. Only the token after `required` tells.
    [$.field_declaration],
    // In a test, `expect x` is an expectation, and `expect x {` an entity of kind
    // `expect`: only the token after the name tells.
    [$._member_name, $.expect_statement],
  ],

  rules: {
    source_file: $ => repeat($._item),

    _item: $ => choice(
      $.use_declaration,
      $.extend_declaration,
      $.rule_declaration,
      $.test_declaration,
      $.entity,
    ),

    // ── comments ─────────────────────────────────────────────────────────────────
    // `//` starts a comment unless it is `///` (a doc comment); `////` is an ordinary
    // comment again. A comment stops at `\n` or `\r`.
    comment: _ => token(choice(
      seq('//', optional(seq(/[^/\r\n]/, /[^\r\n]*/))),
      seq('////', /[^\r\n]*/),
    )),

    doc_comment: _ => token(seq('///', optional(seq(/[^/\r\n]/, /[^\r\n]*/)))),

    _doc: $ => repeat1($.doc_comment),

    // ── declarations ─────────────────────────────────────────────────────────────
    use_declaration: $ => seq(
      optional($._doc),
      'use',
      field('path', $._string_literal),
    ),

    // `KIND ID ["title"] { ... }`, at top level and nested in another entity or a test.
    entity: $ => seq(
      optional($._doc),
      field('kind', $._member_name),
      field('name', $.identifier),
      optional(field('title', $._string_literal)),
      field('body', $.entity_body),
    ),

    entity_body: $ => seq(
      '{',
      repeat(seq(choice($.field, $.entity), optional(','))),
      '}',
    ),

    field: $ => seq(
      optional($._doc),
      field('name', $._member_name),
      ':',
      field('value', $._value),
    ),

    // A kind or field name. `today` and `expect` start a test's items, so in a test body
    // they are keywords; pest backtracks to read them as names (`today t {}` is an
    // entity of kind `today`), and so does this.
    _member_name: $ => choice($.identifier, alias(choice('today', 'expect'), $.identifier)),

    // ── values ───────────────────────────────────────────────────────────────────
    _value: $ => choice($._string_literal, $._non_string_value),

    _non_string_value: $ => choice(
      $.list,
      $.date,
      $.duration,
      $.measurement,
      $._quantity,
      $.boolean,
      $.none,
      $.reference,
    ),

    list: $ => seq('[', commaSep($._value), ']'),

    // A value observed at a date: `68% @ 2025-06-30`.
    measurement: $ => seq(field('value', $._quantity), '@', field('date', $.date)),

    _quantity: $ => choice($.money, $.percent, $.number),

    number: _ => token(new RegExp(`-?${NUMBER_BODY}`)),
    percent: _ => token(new RegExp(`-?${NUMBER_BODY}%`)),
    // Money: a number and, on the same line, an ISO 4217 code: `1.2M USD`.
    money: $ => seq(field('amount', $.number), field('currency', $.currency)),
    date: _ => token(/[0-9]{4}-[0-9]{2}-[0-9]{2}/),
    duration: _ => token(/[0-9]+(mo|d|w|y)/),

    boolean: _ => choice('true', 'false'),
    none: _ => 'none',

    // `alice`, `checkout_revamp.beta`, `charter::missing_field`; the parts touch.
    reference: $ => seq(
      $.identifier,
      repeat(seq(choice(token.immediate('.'), token.immediate('::')), $.identifier)),
    ),

    // ── strings ──────────────────────────────────────────────────────────────────
    _string_literal: $ => choice($.string, $.text_block),

    string: $ => seq(
      '"',
      repeat(choice($.string_content, $.escape_sequence)),
      token.immediate('"'),
    ),

    // The precedence keeps `//` inside a string from starting a comment.
    string_content: _ => token.immediate(prec(1, /[^"\\\r\n]+/)),

    // Any escaped character parses; the checker says which escapes are valid.
    escape_sequence: _ => token.immediate(seq('\\', choice(/u\{[0-9A-Fa-f]*\}/, /[^\r\n]/))),

    // `"""..."""`: ends at the first `"""`; a backslash escapes any character.
    text_block: _ => token(seq(
      '"""',
      repeat(choice(/[^"\\]/, /\\[\s\S]/, /"[^"\\]/, /"\\[\s\S]/, /""[^"\\]/, /""\\[\s\S]/)),
      '"""',
    )),

    // Message templates (`summary`, `message`, `label`, `help` and `else` of a rule):
    // `{expr}` interpolates, `{{` and `}}` are literal braces.
    template_string: $ => seq(
      '"',
      repeat(choice(
        alias($._template_content, $.string_content),
        $.escape_sequence,
        $.brace_escape,
        $.interpolation,
      )),
      token.immediate('"'),
    ),

    _template_content: _ => token.immediate(prec(1, /[^"\\{}\r\n]+/)),

    template_text_block: $ => seq(
      '"""',
      repeat(choice(
        alias($._text_block_content, $.string_content),
        alias($._text_block_escape, $.escape_sequence),
        $.brace_escape,
        $.interpolation,
      )),
      token.immediate('"""'),
    ),

    // One or two quotes are text; three end the block (the longest match wins).
    _text_block_content: _ => choice(
      token.immediate(prec(1, /[^"\\{}]+/)),
      token.immediate(/""?/),
    ),
    _text_block_escape: _ => token.immediate(seq('\\', /[\s\S]/)),

    brace_escape: _ => token.immediate(choice('{{', '}}')),

    interpolation: $ => seq(
      token.immediate('{'),
      field('expression', $._expression),
      '}',
    ),

    _template_literal: $ => choice($.template_string, $.template_text_block),

    // ── extend ───────────────────────────────────────────────────────────────────
    extend_declaration: $ => seq(
      optional($._doc),
      'extend',
      field('kind', $.identifier),
      field('body', $.extend_body),
    ),

    extend_body: $ => seq('{', repeat(seq($.field_declaration, optional(','))), '}'),

    field_declaration: $ => seq(
      optional($._doc),
      field('name', choice($.identifier, alias('required', $.identifier))),
      ':',
      field('type', $._type),
      optional(field('required', 'required')),
    ),

    _type: $ => choice($.list_type, $.enum_type, $.ref_type, $.type_name),

    list_type: $ => seq('[', field('element', $._type), ']'),

    enum_type: $ => seq(
      'enum',
      '[',
      $.enum_value,
      repeat(seq(',', $.enum_value)),
      optional(','),
      ']',
    ),

    enum_value: $ => $.identifier,

    ref_type: $ => seq('ref', field('kind', $.identifier)),

    type_name: $ => $.identifier,

    // ── rules ────────────────────────────────────────────────────────────────────
    rule_declaration: $ => seq(
      optional($._doc),
      'rule',
      field('name', $.identifier),
      field('body', $.rule_body),
    ),

    rule_body: $ => seq(
      '{',
      repeat(choice(
        $.for_clause,
        $.let_clause,
        $.require_clause,
        seq($.setting, optional(',')),
      )),
      '}',
    ),

    for_clause: $ => seq(
      'for',
      choice(
        field('portfolio', 'portfolio'),
        seq(
          field('kind', $.identifier),
          field('variable', $.identifier),
          optional(seq('where', field('condition', $._expression))),
        ),
      ),
    ),

    let_clause: $ => seq(
      'let',
      field('name', $.identifier),
      '=',
      field('value', $._expression),
    ),

    require_clause: $ => seq(
      'require',
      field('condition', $._expression),
      optional(seq('else', field('message', $._template_literal))),
    ),

    // `severity: error`, `summary: "..."`; `url` is the one string that is no template.
    setting: $ => seq(
      optional($._doc),
      choice(
        seq(field('name', alias('url', $.identifier)), ':', field('value', $._value)),
        seq(
          // A setting may be named like a clause keyword (`for: x`), as in pest.
          field('name', choice($.identifier, alias(choice('for', 'let', 'require'), $.identifier))),
          ':',
          field('value', choice($._template_literal, $._non_string_value)),
        ),
      ),
    ),

    // ── expressions ──────────────────────────────────────────────────────────────
    _expression: $ => choice(
      $.binary_expression,
      $.unary_expression,
      $.member_expression,
      $.call_expression,
      $.parenthesized_expression,
      $.list_expression,
      $._string_literal,
      $.date,
      $.duration,
      alias($._expression_money, $.money),
      alias($._expression_percent, $.percent),
      alias($._expression_number, $.number),
      $.boolean,
      $.none,
      $.identifier,
    ),

    // In an expression a leading `-` is the negation operator, never part of the number.
    _expression_number: _ => token(new RegExp(NUMBER_BODY)),
    _expression_percent: _ => token(new RegExp(`${NUMBER_BODY}%`)),
    _expression_money: $ => seq(
      field('amount', alias($._expression_number, $.number)),
      field('currency', alias($._expression_currency, $.currency)),
    ),

    binary_expression: $ => {
      /** @type {[number, RuleOrLiteral][]} */
      const table = [
        [PREC.or, 'or'],
        [PREC.and, 'and'],
        [PREC.compare, choice('==', '!=', '<', '<=', '>', '>=', 'in', $.not_in)],
        [PREC.add, choice('+', '-')],
        [PREC.multiply, choice('*', '/')],
      ];
      return choice(...table.map(([precedence, operator]) => prec.left(precedence, seq(
        field('left', $._expression),
        field('operator', operator),
        field('right', $._expression),
      ))));
    },

    // `a not in b`: the two words may be apart (any whitespace or comment between).
    not_in: _ => seq('not', 'in'),

    unary_expression: $ => choice(
      prec(PREC.not, seq(field('operator', 'not'), field('operand', $._expression))),
      prec(PREC.negate, seq(field('operator', '-'), field('operand', $._expression))),
    ),

    member_expression: $ => prec(PREC.postfix, seq(
      field('object', $._expression),
      '.',
      field('field', $.identifier),
    )),

    call_expression: $ => prec(PREC.postfix, seq(
      field('receiver', $._expression),
      '.',
      field('method', $.identifier),
      field('arguments', $.arguments),
    )),

    arguments: $ => seq('(', commaSep($._expression), ')'),

    parenthesized_expression: $ => seq('(', $._expression, ')'),

    list_expression: $ => seq('[', commaSep($._expression), ']'),

    // ── tests ────────────────────────────────────────────────────────────────────
    test_declaration: $ => seq(
      optional($._doc),
      'test',
      field('name', $.identifier),
      field('body', $.test_body),
    ),

    test_body: $ => seq(
      '{',
      repeat(seq(choice($.today_setting, $.expect_statement, $.entity), optional(','))),
      '}',
    ),

    today_setting: $ => seq('today', ':', field('date', $.date)),

    expect_statement: $ => seq(
      'expect',
      choice(
        field('clean', 'clean'),
        seq(
          optional(field('negated', 'no')),
          field('rule', $.path),
          optional(seq('on', field('entity', $.path))),
        ),
      ),
    ),

    path: $ => seq(
      $.identifier,
      repeat(seq(choice(token.immediate('.'), token.immediate('::')), $.identifier)),
    ),

    identifier: _ => /[A-Za-z_][A-Za-z0-9_]*/,
  },
});
