"""Congress's Datalog: the language, with no knowledge of evaluation, HTTP or SQL.

* ``ast``: terms, atoms, rules (the contract shared by every layer);
* ``parser``: text -> AST (``parse_rules``, ``parse_rule``, ``parse_query``,
  ``parse_sequence``, ``parse_sequence_steps``), errors with line and column;
* ``builtins``: the builtin tables and their evaluation (``lookup``, ``BUILTINS``);
* ``checks``: static checks of one rule (``check_rule``), column-reference
  rewriting, dependency edges and stratification (``dependencies``, ``stratify``).
"""
