s0:
  test.succeed_without_changes:
    - comment: plain
s1:
  test.fail_with_changes:
    - listen_in:
      - test: s5
    - prereq:
      - test: s8
s2:
  test.fail_without_changes:
    - order: 10
    - prereq:
      - test: s3
s3:
  test.succeed_with_changes:
    - comment: plain
s4:
  test.succeed_with_changes:
    - names:
      - s4_a
      - s4_b
    - order: 10
    - watch_in:
      - s1
s5:
  test.fail_without_changes:
    - comment: plain
s6:
  test.fail_without_changes:
    - names:
      - s6_a
      - s6_b
    - failhard: True
    - use:
      - s0
s7:
  test.succeed_with_changes:
    - require:
      - s0
s8:
  test.nop:
    - names:
      - s8_a
      - s8_b
