# aggmon: the top-level targets; each one is a script in scripts/.

.PHONY: demo check shell bench fuzz kcsan series clean

demo:
	@scripts/demo.sh

check:
	@scripts/check.sh

shell:
	@scripts/shell.sh

bench:
	@scripts/bench.sh

fuzz:
	@scripts/fuzz.sh

kcsan:
	@scripts/kcsan.sh

series:
	@scripts/setup.sh && scripts/assemble.sh && scripts/series.sh

clean:
	rm -rf build
