s0:
  test.succeed_without_changes:
    - order: first
s1:
  test.fail_with_changes:
    - comment: plain
s2:
  test.succeed_without_changes:
    - onfail:
      - test: s5
    - prereq:
      - test: s5
      - s6
s3:
  test.succeed_with_changes:
    - onchanges_any:
      - s1
      - test: s1
    - watch:
      - test: s2
s4:
  test.fail_with_changes:
    - order: 1
    - failhard: True
s5:
  test.fail_without_changes:
    - comment: plain
s6:
  test.fail_without_changes:
    - watch_in:
      - s2
s7:
  test.fail_without_changes:
    - onfail_any:
      - s6
      - test: s0
