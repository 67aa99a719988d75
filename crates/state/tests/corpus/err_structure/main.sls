trailing:
  test.nop:
no_function:
  test:
    - name: x
too_many:
  test.nop:
    - succeed_with_changes
not_a_list:
  test.nop:
    require: x
bad_req:
  test.nop:
    - require: first
dotted_req:
  test.nop:
    - require:
      - test.nop: trailing
