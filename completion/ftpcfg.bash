# bash completion for ftpcfg(8)                             -*- shell-script -*-
#
# Commands; global options before or after the command; each command's own
# options after it; directories for --root, --state-dir and render -o;
# the kept generations for rollback --to;
# *.xml files (and directories, to walk into) for SITE; commands for
# `ftpcfg help`; a daemon, then a file, for `ftpcfg import`.
# tests/package/ checks that every command and option of `ftpcfg --help`
# and `ftpcfg COMMAND --help` is here.

_ftpcfg()
{
    local cur prev words cword split
    _init_completion -s || return

    local commands='apply confirm diff help history import remove render restore rollback status validate version'
    local global_opts='--root --state-dir --keep-history --json -q --quiet -v --verbose --no-color
        -h --help --version'

    # The command is the first word that is neither an option nor the
    # argument of one; after "--" there are no more options.
    local i cmd= dashdash=
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --) dashdash=1 ;;
            --root | --state-dir | --keep-history | -o | --output | --confirm | --to)
                [[ -z $dashdash ]] && ((i++)) ;;
            -*) [[ -n $dashdash && -z $cmd ]] && cmd=${words[i]} ;;
            *) [[ -z $cmd ]] && cmd=${words[i]} ;;
        esac
    done

    if [[ -z $dashdash ]]; then
        case $prev in
            --root | --state-dir)
                _filedir -d
                return
                ;;
            --keep-history | --confirm)
                # a number: nothing to offer
                return
                ;;
            --to)
                # the generations 'ftpcfg history' lists
                COMPREPLY=($(compgen -W "$(ftpcfg --json history 2>/dev/null |
                    grep -o '"generation": *[0-9]*' | grep -o '[0-9]*$')" -- "$cur"))
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
    fi

    if [[ -z $cmd ]]; then
        if [[ $cur == -* && -z $dashdash ]]; then
            COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi

    local opts= operand=
    case $cmd in
        apply)
            opts='--allow-conflicts --check --confirm --detailed-exitcode --no-reload'
            operand=site
            ;;
        diff | validate)
            operand=site
            ;;
        render)
            opts='-o --output --effective'
            operand=site
            ;;
        remove)
            opts='--check --detailed-exitcode --no-reload'
            ;;
        restore)
            opts='--if-applied --no-reload'
            ;;
        rollback)
            opts='--no-reload --to'
            ;;
        status)
            opts='--detailed-exitcode'
            ;;
        help)
            operand=command
            ;;
        import)
            operand=import
            ;;
        confirm | history | version) ;;
        *) return ;;
    esac

    if [[ $cur == -* && -z $dashdash ]]; then
        COMPREPLY=($(compgen -W "$opts $global_opts" -- "$cur"))
        return
    fi
    case $operand in
        site) _filedir xml ;;
        command) COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
        import)
            # import DAEMON PATH: the daemon, then its file or directory.
            local n=0
            for ((i = 1; i < cword; i++)); do
                [[ ${words[i]} != -* ]] && ((n++))
            done
            if ((n <= 1)); then
                COMPREPLY=($(compgen -W 'vsftpd proftpd pure-ftpd' -- "$cur"))
            else
                _filedir
            fi
            ;;
    esac
} &&
    complete -F _ftpcfg ftpcfg

# ex: filetype=sh
