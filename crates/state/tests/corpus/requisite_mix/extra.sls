extra_one:
  test.succeed_with_changes:
    - require_in:
      - sls: main
extra_two:
  test.nop: []
