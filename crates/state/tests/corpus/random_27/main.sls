s0:
  test.succeed_with_changes:
    - onchanges_in:
      - test: s4
s1:
  test.nop:
    - onfail_in:
      - test: s3
    - watch:
      - test: s0
s2:
  test.succeed_with_changes:
    - order: 10
    - listen:
      - test: s4
    - onfail_any:
      - s1
s3:
  test.nop:
    - comment: plain
s4:
  test.succeed_without_changes:
    - comment: plain
