common_one:
  test.nop: []
common_two:
  test.succeed_without_changes:
    - names:
      - c1
      - c2
