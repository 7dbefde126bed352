# The e100 end-to-end test alone (make check runs it with the others).
cd /tests && sh ./aggmon_e100_test.sh
