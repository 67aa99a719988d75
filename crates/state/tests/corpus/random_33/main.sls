s0:
  test.fail_without_changes:
    - comment: plain
s1:
  test.succeed_with_changes:
    - comment: plain
s2:
  test.succeed_with_changes:
    - failhard: True
    - onfail_any:
      - test: s4
s3:
  test.succeed_with_changes:
    - comment: plain
s4:
  test.fail_without_changes:
    - require:
      - s0
s5:
  test.succeed_with_changes:
    - watch_in:
      - s2
    - onchanges:
      - test: s4
