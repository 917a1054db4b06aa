// The external scanner of the Charter grammar: the currency of a money literal.
//
// pest decides money by a lookahead that a tree-sitter regex cannot express: in a field
// value, `5 USD` is money, but `5 ABC: 1` is the number 5 and then a field named `ABC`
// (grammar/charter.pest, rule `money`). This scanner runs right after a number and
// accepts ` USD` only when the spaces or tabs, three capital letters, no further
// identifier character and (in a value) no `:` after optional blanks follow.

#include "tree_sitter/parser.h"

#include <stdbool.h>
#include <stdint.h>

enum TokenType {
  CURRENCY,            // in a field value: not followed by `:`
  EXPRESSION_CURRENCY, // in a rule expression: pest's `expr_money` has no such check
};

void *tree_sitter_charter_external_scanner_create(void) { return NULL; }

void tree_sitter_charter_external_scanner_destroy(void *payload) { (void)payload; }

unsigned tree_sitter_charter_external_scanner_serialize(void *payload, char *buffer) {
  (void)payload;
  (void)buffer;
  return 0;
}

void tree_sitter_charter_external_scanner_deserialize(void *payload, const char *buffer,
                                                      unsigned length) {
  (void)payload;
  (void)buffer;
  (void)length;
}

static bool is_blank(int32_t character) { return character == ' ' || character == '\t'; }

static bool is_ident_char(int32_t character) {
  return (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z') ||
         (character >= '0' && character <= '9') || character == '_';
}

bool tree_sitter_charter_external_scanner_scan(void *payload, TSLexer *lexer,
                                               const bool *valid_symbols) {
  (void)payload;
  bool in_value = valid_symbols[CURRENCY];
  bool in_expression = valid_symbols[EXPRESSION_CURRENCY];
  // During error recovery every symbol is valid; a currency is never the way out.
  if (in_value == in_expression) {
    return false;
  }
  if (!is_blank(lexer->lookahead)) {
    return false;
  }
  while (is_blank(lexer->lookahead)) {
    lexer->advance(lexer, true);
  }
  for (int letter = 0; letter < 3; letter++) {
    if (lexer->lookahead < 'A' || lexer->lookahead > 'Z') {
      return false;
    }
    lexer->advance(lexer, false);
  }
  if (is_ident_char(lexer->lookahead)) {
    return false;
  }
  lexer->mark_end(lexer);
  if (in_value) {
    while (is_blank(lexer->lookahead)) {
      lexer->advance(lexer, false);
    }
    if (lexer->lookahead == ':') {
      return false;
    }
  }
  lexer->result_symbol = in_value ? CURRENCY : EXPRESSION_CURRENCY;
  return true;
}
