lib_two_0:
  cmd.run:
    - name: echo lib_two_0
    - unless: 'true'
lib_two_1:
  cmd.run:
    - name: echo lib_two_1
    - onlyif: 'true'
    - onchanges_in:
      - lib_one_2
lib_two_2:
  test.nop:
    - require:
      - lib_one_0
