lib_two_0:
  cmd.run:
    - name: echo lib_two_0
    - unless: 'true'
    - onchanges_in:
      - lib_one_1
