s0:
  test.succeed_with_changes:
    - watch_in:
      - test: s3
    - prereq:
      - s3
      - test: s2
s1:
  test.succeed_without_changes:
    - order: first
    - onfail_all:
      - s0
s2:
  test.succeed_with_changes:
    - require:
      - test: s0
s3:
  test.fail_with_changes:
    - comment: plain
s4:
  test.fail_with_changes:
    - require_in:
      - s3
s5:
  test.fail_with_changes:
    - onchanges_any:
      - test: s0
      - s1
    - onfail_any:
      - s3
      - test: s1
s6:
  test.fail_with_changes:
    - failhard: True
    - use:
      - s1
s7:
  test.succeed_without_changes:
    - names:
      - s7_a
      - s7_b
