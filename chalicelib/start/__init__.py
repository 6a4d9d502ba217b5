"""The start page a representative lands on after following their link: one page that
composes several domains (accounts, questionnaire, delivery). Pages only; nothing below
imports it."""
