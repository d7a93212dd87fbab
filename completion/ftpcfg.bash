# bash completion for ftpcfg(8)                             -*- shell-script -*-
#
# Commands, global options before the command, each command's options after
# it, directories for --root, --state-dir and render -o, and *.xml files
# (and directories, to walk into) for SITE.  tests/package/ checks that every
# command and option of `ftpcfg --help` is here.

_ftpcfg()
{
    local cur prev words cword split
    _init_completion -s || return

    local commands='apply diff render rollback status validate'
    local global_opts='--root --state-dir --json -q --quiet -v --verbose --no-color
        -h --help --version'

    # The command is the first word that is neither an option nor the
    # argument of one.
    local i cmd=
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --root | --state-dir) ((i++)) ;;
            -*) ;;
            *)
                cmd=${words[i]}
                break
                ;;
        esac
    done

    case $prev in
        --root | --state-dir)
            _filedir -d
            return
            ;;
        -o | --output)
            if [[ $cmd == render ]]; then
                _filedir -d
                return
            fi
            ;;
    esac
    $split && return

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi

    local opts= site=
    case $cmd in
        apply)
            opts='--check --detailed-exitcode --no-reload'
            site=1
            ;;
        diff | validate)
            site=1
            ;;
        render)
            opts='-o --output --effective'
            site=1
            ;;
        rollback)
            opts='--no-reload'
            ;;
        status) ;;
        *) return ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    [[ -n $site ]] && _filedir xml
} &&
    complete -F _ftpcfg ftpcfg

# ex: filetype=sh
