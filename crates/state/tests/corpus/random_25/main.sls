s0:
  test.succeed_with_changes:
    - names:
      - s0_a
      - s0_b
s1:
  test.fail_with_changes:
    - onchanges:
      - s0
      - test: s2
s2:
  test.fail_without_changes:
    - order: 10
    - onfail_in:
      - s0
    - require_any:
      - s4
      - test: s1
s3:
  test.fail_without_changes:
    - order: 2
s4:
  test.fail_with_changes:
    - failhard: True
s5:
  test.fail_without_changes:
    - comment: plain
