base_dep:
  test.nop: []
base_state:
  test.succeed_without_changes:
    - require:
      - test: base_dep
named_base:
  test.succeed_without_changes:
    - names:
      - n1
      - n2
