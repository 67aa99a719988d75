include:
  - dev: devlib
common_state:
  test.nop:
    - require:
      - test: devlib_state
