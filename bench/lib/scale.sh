# The one option every bench/<name>/run.sh takes. Source after `cd` to the repo root, then
#   bench_scale NAME "$@"     sets $scale to small (default) or full; anything else exits 2.
bench_scale() {
  local name=$1
  shift
  scale=small
  while [ $# -gt 0 ]; do
    case "$1" in
      --scale) scale=${2:-}; shift 2 || shift ;;
      *) echo "usage: bench/$name/run.sh [--scale small|full]" >&2; exit 2 ;;
    esac
  done
  case "$scale" in
    small|full) ;;
    *) echo "bench/$name: --scale must be small or full" >&2; exit 2 ;;
  esac
}
