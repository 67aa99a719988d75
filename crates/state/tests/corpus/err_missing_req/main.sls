lonely:
  test.nop:
    - require:
      - test: ghost
    - onchanges:
      - ghost2
