s0:
  test.fail_with_changes:
    - onchanges_in:
      - s7
      - test: s5
s1:
  test.fail_with_changes:
    - require_in:
      - s5
s2:
  test.nop:
    - onfail_any:
      - s0
    - require_any:
      - s3
      - s3
s3:
  test.fail_without_changes:
    - order: first
s4:
  test.succeed_without_changes:
    - comment: plain
s5:
  test.succeed_with_changes:
    - comment: plain
s6:
  test.succeed_without_changes:
    - comment: plain
s7:
  test.nop:
    - comment: plain
