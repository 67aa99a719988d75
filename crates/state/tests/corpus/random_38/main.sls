s0:
  test.succeed_with_changes:
    - order: 2
    - failhard: True
    - prereq:
      - test: s1
s1:
  test.fail_without_changes:
    - order: 10
    - failhard: True
    - use:
      - test: s4
    - require_any:
      - test: s2
s2:
  test.succeed_without_changes:
    - require_any:
      - s0
s3:
  test.fail_without_changes:
    - prereq:
      - test: s2
      - s0
s4:
  test.nop:
    - order: first
