s0:
  test.fail_with_changes:
    - onchanges:
      - s3
      - test: s1
    - use:
      - test: s3
      - s4
s1:
  test.succeed_without_changes:
    - comment: plain
s2:
  test.succeed_without_changes:
    - prereq:
      - s4
      - test: s4
    - onfail:
      - test: s0
s3:
  test.succeed_without_changes:
    - comment: plain
s4:
  test.fail_with_changes:
    - names:
      - s4_a
      - s4_b
    - onfail_all:
      - s2
      - s2
s5:
  test.succeed_without_changes:
    - failhard: True
    - watch_in:
      - test: s1
    - use:
      - s0
