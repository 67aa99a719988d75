s0:
  test.nop:
    - prereq:
      - test: s2
      - test: s7
s1:
  test.succeed_without_changes:
    - prereq:
      - s3
      - s5
    - listen_in:
      - test: s8
      - s2
s2:
  test.succeed_with_changes:
    - prereq:
      - s7
      - s8
    - require_in:
      - s1
s3:
  test.fail_with_changes:
    - names:
      - s3_a
      - s3_b
    - order: 1
s4:
  test.succeed_without_changes:
    - comment: plain
s5:
  test.succeed_with_changes:
    - order: first
    - onfail_any:
      - s2
s6:
  test.succeed_without_changes:
    - failhard: True
    - prereq:
      - s1
s7:
  test.fail_without_changes:
    - comment: plain
s8:
  test.succeed_with_changes:
    - failhard: True
