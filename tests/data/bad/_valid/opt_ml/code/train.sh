#!/bin/sh
echo "training with $*"
