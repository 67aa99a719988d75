s0:
  test.nop:
    - comment: plain
s1:
  test.fail_with_changes:
    - comment: plain
s2:
  test.succeed_with_changes:
    - comment: plain
s3:
  test.succeed_without_changes:
    - order: first
s4:
  test.succeed_without_changes:
    - comment: plain
s5:
  test.fail_without_changes:
    - names:
      - s5_a
      - s5_b
s6:
  test.nop:
    - onchanges:
      - test: s1
    - prereq:
      - s7
s7:
  test.succeed_with_changes:
    - comment: plain
