/* The AVL tree of otree.h. Recursion depth is the tree's height, at most
 * about 1.44 log2(n): under 64 for any number of nodes that fits in
 * memory. */
#include "otree.h"

#include <stddef.h>

static int height(const wr_otree_node *n) { return n ? n->h : 0; }

static void fix(wr_otree_node *n) {
  int l = height(n->l), r = height(n->r);
  n->h = 1 + (l > r ? l : r);
}

static wr_otree_node *rot_right(wr_otree_node *n) {
  wr_otree_node *l = n->l;
  n->l = l->r;
  l->r = n;
  fix(n);
  fix(l);
  return l;
}

static wr_otree_node *rot_left(wr_otree_node *n) {
  wr_otree_node *r = n->r;
  n->r = r->l;
  r->l = n;
  fix(n);
  fix(r);
  return r;
}

static wr_otree_node *balance(wr_otree_node *n) {
  fix(n);
  int b = height(n->l) - height(n->r);
  if (b > 1) {
    if (height(n->l->l) < height(n->l->r))
      n->l = rot_left(n->l);
    return rot_right(n);
  }
  if (b < -1) {
    if (height(n->r->r) < height(n->r->l))
      n->r = rot_right(n->r);
    return rot_left(n);
  }
  return n;
}

/* Inserts below root; *grew says whether the subtree got taller. Once a
 * subtree keeps its height nothing above it changes, so the way back up
 * stops looking at nodes (each one a likely cache miss in a big queue). */
static wr_otree_node *insert(wr_otree_node *root, wr_otree_node *x, int *grew) {
  if (!root) {
    x->l = x->r = NULL;
    x->h = 1;
    *grew = 1;
    return x;
  }
  if (x->key < root->key)
    root->l = insert(root->l, x, grew);
  else
    root->r = insert(root->r, x, grew);
  if (!*grew)
    return root;
  int before = root->h;
  root = balance(root);
  *grew = root->h != before;
  return root;
}

wr_otree_node *wr_otree_insert_(wr_otree_node *root, wr_otree_node *x) {
  int grew = 0;
  return insert(root, x, &grew);
}

wr_otree_node *wr_otree_remove_min_(wr_otree_node *root, wr_otree_node **min) {
  if (!root->l) {
    *min = root;
    return root->r;
  }
  root->l = wr_otree_remove_min_(root->l, min);
  return balance(root);
}

wr_otree_node *wr_otree_floor_(wr_otree_node *root, uint64_t key) {
  wr_otree_node *best = NULL;
  while (root) {
    if (root->key <= key) {
      best = root;
      root = root->r;
    } else {
      root = root->l;
    }
  }
  return best;
}
