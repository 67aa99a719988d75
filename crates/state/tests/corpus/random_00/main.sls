s0:
  test.succeed_with_changes:
    - order: last
    - prereq:
      - s6
s1:
  test.fail_with_changes:
    - require_in:
      - test: s6
s2:
  test.fail_with_changes:
    - names:
      - s2_a
      - s2_b
s3:
  test.succeed_with_changes:
    - comment: plain
s4:
  test.nop:
    - comment: plain
s5:
  test.fail_without_changes:
    - names:
      - s5_a
      - s5_b
    - failhard: True
    - listen:
      - test: s7
      - s0
s6:
  test.fail_without_changes:
    - use:
      - s2
s7:
  test.fail_without_changes:
    - comment: plain
