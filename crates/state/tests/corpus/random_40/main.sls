s0:
  test.succeed_without_changes:
    - require:
      - s5
s1:
  test.nop:
    - watch_in:
      - s3
s2:
  test.nop:
    - failhard: True
    - onchanges_any:
      - test: s5
s3:
  test.fail_with_changes:
    - require_any:
      - test: s4
      - test: s5
    - onfail_in:
      - test: s1
s4:
  test.fail_with_changes:
    - onfail_in:
      - test: s0
      - test: s0
s5:
  test.fail_with_changes:
    - watch_in:
      - s6
    - watch:
      - test: s6
      - test: s3
s6:
  test.succeed_without_changes:
    - comment: plain
