/* optim_kinds.h — the list of optimisers (ids, names, help), shared by config and optim. */
#ifndef LORASCOPE_OPTIM_KINDS_H
#define LORASCOPE_OPTIM_KINDS_H

#define LS_OPTIM_LIST(X)                                                                           \
	X(LS_OPTIM_GD, "gd", "full-batch gradient descent on g")                                   \
	X(LS_OPTIM_SGD, "sgd", "mini-batch SGD (problems with samples; else GD)")                  \
	X(LS_OPTIM_MOMENTUM, "momentum", "heavy-ball momentum on g")                               \
	X(LS_OPTIM_ADAM, "adam", "Adam, weight decay added to the gradient")                       \
	X(LS_OPTIM_ADAMW, "adamw", "AdamW: decoupled weight decay (not the nuclear-norm problem)") \
	X(LS_OPTIM_MK, "mk", "Mu-Klabjan adaptive step with a descent guarantee (simultaneous)")

typedef enum {
#define LS_OPTIM_ENUM(id, name, help) id,
	LS_OPTIM_LIST(LS_OPTIM_ENUM)
#undef LS_OPTIM_ENUM
		LS_OPTIM_COUNT
} ls_optim_id;

extern const char *const ls_optim_names[LS_OPTIM_COUNT + 1];
extern const char *const ls_optim_help[LS_OPTIM_COUNT];

#endif
