# bash completion for jpegopt (installed as share/bash-completion/completions/jpegopt).
# Options are read from `jpegopt --help` once per shell, so new options complete without edits.

_jpegopt_options() {
  if [[ -z ${_jpegopt_option_cache:-} ]]; then
    _jpegopt_option_cache=$("${1:-jpegopt}" --help 2>/dev/null |
      grep -oE -- '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9-]*' | tr -d ' ,' | sort -u | tr '\n' ' ')
  fi
  printf '%s' "$_jpegopt_option_cache"
}

_jpegopt() {
  local cur prev
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}

  case $prev in
    --strip)
      COMPREPLY=($(compgen -W "safe none all exif gps thumbnail xmp iptc icc com jfif adobe mpf c2pa other" -- "$cur"))
      return ;;
    --keep)
      COMPREPLY=($(compgen -W "exif xmp iptc icc com jfif adobe mpf c2pa other" -- "$cur"))
      return ;;
    -O | --effort)
      COMPREPLY=($(compgen -W "fast default max" -- "$cur"))
      return ;;
    --rotate)
      COMPREPLY=($(compgen -W "90 180 270" -- "$cur"))
      return ;;
    --flip)
      COMPREPLY=($(compgen -W "horizontal vertical" -- "$cur"))
      return ;;
    -d | --dest)
      COMPREPLY=($(compgen -d -- "$cur"))
      return ;;
    -o | --output | --files-from)
      COMPREPLY=($(compgen -f -- "$cur"))
      return ;;
    -j | --jobs | --threshold | --crop | --suffix | --exclude | -S | --target-size | --max-size | \
      --min-quality | --min-ssim | --max-pixels | --max-scans | --max-memory)
      return ;;  # a value the user types
  esac

  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_jpegopt_options "${COMP_WORDS[0]}")" -- "$cur"))
    return
  fi
  if ((COMP_CWORD == 1)); then
    COMPREPLY=($(compgen -W "info" -- "$cur"))
  fi
  # Folders, and the image files jpegopt takes.
  local IFS=$'\n'
  COMPREPLY+=($(compgen -d -- "$cur"))
  COMPREPLY+=($(compgen -f -X '!*.@(jpg|JPG|jpeg|JPEG|jpe|JPE|jfif|JFIF|png|PNG)' -- "$cur"))
}

complete -o filenames -F _jpegopt jpegopt
