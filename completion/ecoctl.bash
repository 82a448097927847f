# bash completion for ecoctl: commands (several words: "admin counsellor
# add"), each command's options, and file names where an option or the
# socket takes one. The commands and options come from ecoctl itself
# (ecoctl help --commands, help --options CMD), so they are never stale.

_ecoctl()
{
	local cur prev ecoctl=${COMP_WORDS[0]}
	local -a typed=() next=() cmd=()
	local i line n k

	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-s|--key|--file|--message-file|--passphrase-file|--new-passphrase-file|\
	--out|--recovery-key|--state|--reason-file|--join-file)
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0 ;;
	--dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0 ;;
	--modality)
		COMPREPLY=($(compgen -W "presencial telefono video" -- "$cur"))
		return 0 ;;
	--days)
		# One weekday; more follow after commas (lun,mié,vie).
		COMPREPLY=($(compgen -P "${cur%"${cur##*,}"}" -W \
		    "lun mar mie jue vie sab dom" -- "${cur##*,}"))
		return 0 ;;
	esac
	# The words after ecoctl, its own -s SOCKET left out.
	i=1
	while [ "$i" -lt "$COMP_CWORD" ]; do
		case ${COMP_WORDS[i]} in
		-s) i=$((i + 2)); continue ;;
		esac
		typed+=("${COMP_WORDS[i]}")
		i=$((i + 1))
	done
	[ "${typed[0]}" = help ] && typed=("${typed[@]:1}")
	# A whole command typed: its options. Else the next word of those
	# commands that start with the words typed.
	while IFS= read -r line; do
		read -r -a cmd <<<"$line"
		n=${#cmd[@]}
		k=0
		while [ "$k" -lt "$n" ] && [ "$k" -lt "${#typed[@]}" ] &&
		    [ "${cmd[k]}" = "${typed[k]}" ]; do
			k=$((k + 1))
		done
		if [ "$k" -eq "$n" ] && [ "${#typed[@]}" -ge "$n" ]; then
			# Its arguments: options, else (complete -o default)
			# file names.
			[[ $cur == -* ]] && COMPREPLY=($(compgen -W \
			    "$(LC_ALL=C "$ecoctl" help --options $line \
			    2>/dev/null)" -- "$cur"))
			return 0
		fi
		[ "$k" -eq "${#typed[@]}" ] && [ "$k" -lt "$n" ] &&
		    next+=("${cmd[k]}")
	done < <(LC_ALL=C "$ecoctl" help --commands 2>/dev/null)
	[ "${#typed[@]}" -eq 0 ] && next+=(help)
	COMPREPLY=($(compgen -W "$(printf '%s\n' "${next[@]}" | sort -u)" \
	    -- "$cur"))
	return 0
}
complete -o default -F _ecoctl ecoctl
